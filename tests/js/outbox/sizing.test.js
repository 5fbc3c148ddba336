import { describe, expect, it } from "vitest";
import { createLimiter } from "../../../pwa/src/outbox/limiter.js";
import { fetchTransport, TransportError, xhrTransport } from "../../../pwa/src/outbox/transport.js";
import { FIRST_CHUNK, MAX_CHUNK, MIN_CHUNK, Uplink } from "../../../pwa/src/outbox/uplink.js";

const KiB = 1024;
const MiB = 1024 * KiB;

describe("piece size and time limits follow the measured uplink", () => {
  it("cuts a few seconds' worth per piece, within what the server accepts", () => {
    expect(new Uplink().chunkSize(50 * MiB)).toBe(FIRST_CHUNK); // nothing measured yet
    expect(new Uplink({ rate: 4000 }).chunkSize(50 * MiB)).toBe(MIN_CHUNK); // 32 kbit/s: 64 KiB (16 s)
    expect(new Uplink({ rate: 2_000_000 }).chunkSize(50 * MiB)).toBe(4 * MiB); // 2 MB/s: 4 MiB (2 s)
    expect(new Uplink({ rate: 3_000_000 }).chunkSize(50 * MiB)).toBe(MAX_CHUNK); // at most 8 MiB
    expect(new Uplink({ rate: 250_000 }).chunkSize(50 * MiB)).toBe(512 * KiB); // 2 Mbit/s
    expect(new Uplink({ rate: 2_000_000 }).chunkSize(3 * MiB + 5)).toBe(3 * MiB + 5); // one piece
    expect(new Uplink({ rate: 4000 }).chunkSize(10_000)).toBe(10_000);
  });

  it("learns from uploads, not from round trips, and slows down after a timeout", () => {
    const uplink = new Uplink();
    uplink.record(1000, 500); // a small request measures the round trip: ignored
    expect(uplink.measured).toBe(false);
    uplink.record(256 * KiB, 6_400); // 40 KB/s
    expect(uplink.rate).toBeCloseTo(40_960, 0);
    uplink.record(256 * KiB, 3_200);
    expect(uplink.rate).toBeCloseTo((40_960 + 81_920) / 2, 0);
    uplink.slower(1000); // a small request timing out says nothing about the link
    expect(uplink.rate).toBeCloseTo((40_960 + 81_920) / 2, 0);
    uplink.slower(256 * KiB);
    expect(uplink.rate).toBeCloseTo((40_960 + 81_920) / 2 / 4, 0);
    for (let i = 0; i < 20; i += 1) uplink.slower(MiB);
    expect(uplink.rate).toBe(2000); // a floor: 16 kbit/s
  });

  it("gives a slow link's piece all the time it needs, and a stalled one none", () => {
    const slow = new Uplink({ rate: 4000 }).limits(64 * KiB); // 16 s of transfer
    expect(slow.answerMs).toBeGreaterThan(16_000 * 2);
    expect(slow.totalMs).toBeGreaterThan(16_000 * 3);
    expect(slow.stallMs).toBe(30_000);
    const unknown = new Uplink().limits(FIRST_CHUNK); // a first piece on an unknown link: at 16 kbit/s
    expect(unknown.totalMs).toBeGreaterThan((FIRST_CHUNK / 2000) * 1000);
    expect(new Uplink({ rate: 2_000_000 }).limits(0).answerMs).toBe(30_000);
  });

  it("remembers an estimate for a while only", () => {
    const now = Date.parse("2026-12-01T12:00:00Z");
    const saved = new Uplink({ rate: 123_456 }).toJSON(now);
    expect(Uplink.from(saved, now + 60_000).rate).toBe(123_456);
    expect(Uplink.from(saved, now + 7 * 3600_000).rate).toBe(null);
    expect(Uplink.from({ rate: "x", at: now }, now).rate).toBe(null);
    expect(Uplink.from(null, now).rate).toBe(null);
    expect(new Uplink().toJSON(now)).toBe(null);
  });

  it("cuts an upload again only when the guess was far off", () => {
    const fast = new Uplink();
    fast.record(MiB, 500); // 2 MB/s measured
    expect(fast.wantsOtherSize(FIRST_CHUNK, 50 * MiB)).toBe(true);
    expect(fast.wantsOtherSize(4 * MiB, 50 * MiB)).toBe(false);
    expect(new Uplink({ rate: 2_000_000 }).wantsOtherSize(FIRST_CHUNK, 50 * MiB)).toBe(false); // only remembered
    const slow = new Uplink();
    slow.record(64 * KiB, 16_000);
    expect(slow.wantsOtherSize(MiB, 50 * MiB)).toBe(true);
  });
});

describe("limiter", () => {
  it("keeps at most its slots busy, first come first served", async () => {
    const limiter = createLimiter(2);
    const order = [];
    const a = await limiter.acquire();
    const b = await limiter.acquire();
    expect(limiter.busy).toBe(2);
    const waiting = ["first", "second"].map((name) => limiter.acquire().then((r) => { order.push(name); return r; }));
    expect(limiter.waiting).toBe(2);
    a();
    a(); // twice: no effect
    await new Promise((r) => setTimeout(r, 0));
    expect(order).toEqual(["first"]);
    expect(limiter.busy).toBe(2);
    b();
    const [first, second] = await Promise.all(waiting);
    expect(order).toEqual(["first", "second"]);
    first();
    second();
    expect(limiter.busy).toBe(0);
  });
});

describe("transports: a moving upload is never cut, a stalled one is", () => {
  const limits = { stallMs: 60, answerMs: 80, totalMs: 100 };

  it("fetch: gives up at the deadline with 'timeout', and says 'network' when the request fails", async () => {
    const hanging = (url, init) => new Promise((_, reject) => init.signal.addEventListener("abort",
      () => reject(new DOMException("aborted", "AbortError"))));
    await expect(fetchTransport(hanging)({ method: "PUT", url: "/x", limits })).rejects
      .toMatchObject({ reason: "timeout" });
    const reset = async () => { throw new TypeError("Failed to fetch"); };
    await expect(fetchTransport(reset)({ method: "GET", url: "/x", limits })).rejects
      .toBeInstanceOf(TransportError);
    const ok = async () => new Response("{}", { status: 201, headers: { "Content-Type": "application/json",
      "Retry-After": "3" } });
    expect(await fetchTransport(ok)({ method: "GET", url: "/x", limits }))
      .toEqual({ status: 201, contentType: "application/json", retryAfter: "3", text: "{}" });
  });

  /** An XMLHttpRequest whose upload sends progress every `tick` ms for `steps` ticks, then answers. */
  function fakeXhr({ tick, steps, answerAfter = 0, answer = true }) {
    return class {
      constructor() {
        this.upload = {};
        this.headers = {};
      }
      open(method, url) { Object.assign(this, { method, url }); }
      setRequestHeader(k, v) { this.headers[k] = v; }
      getResponseHeader(k) { return k === "Content-Type" ? "application/json" : null; }
      abort() {
        this.aborted = true;
        clearTimeout(this.timer);
        this.onabort?.();
      }
      send() {
        let n = 0;
        const step = () => {
          if (this.aborted) return;
          if (n < steps) {
            n += 1;
            this.upload.onprogress?.({ loaded: n });
            this.timer = setTimeout(step, tick);
            return;
          }
          this.upload.onload?.();
          if (!answer) return;
          this.timer = setTimeout(() => {
            this.status = 201;
            this.responseText = "{\"index\":0}";
            this.onload?.();
          }, answerAfter);
        };
        this.timer = setTimeout(step, tick);
      }
    };
  }

  it("xhr: an upload longer than every limit but moving all along is not cut", async () => {
    const send = xhrTransport(fakeXhr({ tick: 20, steps: 15 })); // 300 ms of upload, progress every 20 ms
    expect(await send({ method: "PUT", url: "/x", body: new Uint8Array(10), limits }))
      .toMatchObject({ status: 201, text: "{\"index\":0}" });
  });

  it("xhr: an upload that stops moving is cut as stalled, an answer that never comes as a timeout", async () => {
    await expect(xhrTransport(fakeXhr({ tick: 200, steps: 3 }))({ method: "PUT", url: "/x", body: new Uint8Array(1),
      limits })).rejects.toMatchObject({ reason: "stalled" });
    await expect(xhrTransport(fakeXhr({ tick: 5, steps: 2, answer: false }))({ method: "PUT", url: "/x",
      body: new Uint8Array(1), limits })).rejects.toMatchObject({ reason: "timeout" });
  });
});
