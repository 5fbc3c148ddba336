import { describe, expect, it } from "vitest";
import { backoffDelay, createScheduler } from "../../../pwa/src/outbox/scheduler.js";

/** Timers the test fires by hand. */
function timers() {
  const list = [];
  return {
    list,
    setTimer: (fn, ms) => {
      const t = { fn, ms, cleared: false };
      list.push(t);
      return t;
    },
    clearTimer: (t) => {
      if (t) t.cleared = true;
    },
    live: () => list.filter((t) => !t.cleared && !t.fired),
    fire: async (t) => {
      t.fired = true;
      await t.fn();
    },
  };
}
const tick = () => new Promise((r) => setTimeout(r, 0));

describe("scheduler", () => {
  it("backs off exponentially with jitter, capped at tens of seconds", () => {
    expect(backoffDelay(0, { random: () => 0.5 })).toBe(2000);
    expect(backoffDelay(3, { random: () => 0.5 })).toBe(16000);
    expect(backoffDelay(30, { random: () => 0.5 })).toBe(30000);
    expect(backoffDelay(2000, { random: () => 0.5 })).toBe(30000);
    expect(backoffDelay(2, { random: () => 0 })).toBe(Math.round(8000 * 0.7));
    expect(backoffDelay(2, { random: () => 1 })).toBe(Math.round(8000 * 1.3));
  });

  it("wakes when the next item is due, as delivery says", async () => {
    const clock = { t: 1000 };
    const t = timers();
    const scheduler = createScheduler(async () => ({ status: "retry", wakeAt: clock.t + 7000, waits: new Set(["busy"]) }),
      { ...t, now: () => clock.t, random: () => 0.5 });
    await scheduler.kick();
    expect(t.live().map((x) => x.ms)).toEqual([7000]); // and no probe: the server itself said later
  });

  it("retries a bare 'retry' with its own backoff, and runs again when kicked during a run", async () => {
    const t = timers();
    const results = ["retry", "done", "done"];
    let calls = 0;
    let release;
    const scheduler = createScheduler(async () => {
      calls += 1;
      if (calls === 2) await new Promise((r) => (release = r));
      return results[calls - 1];
    }, { ...t, random: () => 0.5 });
    expect((await scheduler.kick()).status).toBe("retry");
    expect(t.live().map((x) => x.ms)).toEqual([2000]);
    const second = t.fire(t.live()[0]); // the timer fires
    await tick();
    scheduler.kick(); // a trigger while running: one more run afterwards
    release();
    await second;
    await tick();
    expect(calls).toBe(3);
  });

  it("notices a network that came back without an 'online' event (a probe of the health route)", async () => {
    const clock = { t: 0 };
    const t = timers();
    let up = false;
    let runs = 0;
    let healed = 0;
    const scheduler = createScheduler(async () => {
      runs += 1;
      return up ? { status: "done" } : { status: "retry", wakeAt: clock.t + 30_000, waits: new Set(["network"]) };
    }, { ...t, now: () => clock.t, random: () => 0.5, probe: async () => up, probeEveryMs: 5000,
      onHealed: async () => { healed += 1; } });
    await scheduler.kick();
    const probe = () => t.live().find((x) => x.ms === 5000);
    expect(probe()).toBeTruthy();
    await t.fire(probe()); // still down: it probes again later
    expect(healed).toBe(0);
    expect(probe()).toBeTruthy();
    up = true;
    await t.fire(probe());
    await tick();
    expect(healed).toBe(1);
    expect(runs).toBe(2); // delivered at once, not 30 s later
    expect(t.live()).toEqual([]);
  });

  it("does not probe when the server itself asked to wait, or when the retry comes first anyway", async () => {
    const t = timers();
    const scheduler = createScheduler(async () => ({ status: "retry", wakeAt: 3000, waits: new Set(["network"]) }),
      { ...t, now: () => 0, random: () => 0.5, probe: async () => true, probeEveryMs: 5000 });
    await scheduler.kick();
    expect(t.live().map((x) => x.ms)).toEqual([3000]);
  });

  it("waits a little when another context is delivering", async () => {
    const t = timers();
    const scheduler = createScheduler(async () => "busy", { ...t, busyDelay: 5000 });
    await scheduler.kick();
    expect(t.live().map((x) => x.ms)).toEqual([5000]);
  });
});
