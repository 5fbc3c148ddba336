// What the citizen's uplink can carry, measured on our own uploads, and what follows from it:
// the size of the pieces an attachment is cut into (a few seconds' worth each, so a dropped
// connection costs little and a slow link still finishes pieces), and how long a request may
// take before it counts as stalled.
//
// The server accepts pieces of 64 KiB to 8 MiB (TIPLINE_MIN_CHUNK_BYTES, TIPLINE_MAX_CHUNK_BYTES):
// at 32 kbit/s a 64 KiB piece takes 16 s, at 2 MB/s an 8 MiB piece takes 4 s.

export const MIN_CHUNK = 64 * 1024;
export const MAX_CHUNK = 8 * 1024 * 1024;
export const FIRST_CHUNK = 256 * 1024; // before anything is measured: ~1 min at 32 kbit/s
const TARGET_SECONDS = 4; // the time one piece should take
const FLOOR = 2000; // bytes/s (16 kbit/s): the slowest link the limits allow for
const MIN_SAMPLE = 16 * 1024; // smaller requests measure the round trip, not the link
export const STALL_MS = 30_000; // no byte moved for this long: the upload is stalled
const ANSWER_MS = 30_000; // the server's own time, and one more round trip
const FRESH_MS = 6 * 3600_000; // a remembered estimate older than this is a guess at best

function pow2Floor(n) {
  return 2 ** Math.floor(Math.log2(Math.max(1, n)));
}

export class Uplink {
  constructor({ rate = null } = {}) {
    this.rate = rate; // bytes per second, for one request
    this.samples = 0;
    this.waiting = [];
  }

  /** Resolves once the link has been measured in this context (at once if it has), or given up. */
  measuredOnce() {
    if (this.measured) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** The upload that was to measure the link stopped: nobody waits for it any more. */
  giveUpWaiting() {
    for (const resolve of this.waiting.splice(0)) resolve();
  }

  /** A remembered estimate ({rate, at}) from the outbox's meta store. */
  static from(saved, now = Date.now()) {
    const fresh = saved && Number.isFinite(saved.rate) && saved.rate > 0 && now - saved.at < FRESH_MS;
    return new Uplink({ rate: fresh ? saved.rate : null });
  }

  toJSON(now = Date.now()) {
    return this.rate ? { rate: Math.round(this.rate), at: now } : null;
  }

  /** `bytes` went up in `ms` (the whole request, answer included). */
  record(bytes, ms) {
    if (bytes < MIN_SAMPLE || !(ms > 0)) return;
    const rate = (bytes * 1000) / ms;
    this.rate = this.samples === 0 && this.rate === null ? rate : 0.5 * (this.rate ?? rate) + 0.5 * rate;
    this.samples += 1;
    for (const resolve of this.waiting.splice(0)) resolve();
  }

  /** A request carrying `bytes` failed for want of time: the link is slower than we thought
   * (by a factor of four each time, so a deadline sized from it catches up in a few tries). */
  slower(bytes) {
    if (bytes < MIN_SAMPLE) return;
    this.rate = Math.max(FLOOR, (this.rate ?? FIRST_CHUNK / TARGET_SECONDS) / 4);
  }

  /** Measured in this context (not only remembered). */
  get measured() {
    return this.samples > 0;
  }

  /** The piece size for a new upload of an item of `itemSize` bytes. */
  chunkSize(itemSize) {
    const wanted = this.rate ? pow2Floor(this.rate * TARGET_SECONDS) : FIRST_CHUNK;
    const size = Math.min(MAX_CHUNK, Math.max(MIN_CHUNK, wanted));
    return Math.min(size, itemSize); // one piece for a small item (the server allows it)
  }

  /** Whether an upload cut in `current` pieces should be cut again before its first piece. */
  wantsOtherSize(current, itemSize) {
    if (!this.measured) return false;
    const better = this.chunkSize(itemSize);
    return better >= current * 4 || better * 4 <= current;
  }

  /**
   * Time limits for a request carrying `bytes`: stallMs without progress while sending (where
   * progress is seen), answerMs once sent, totalMs for the whole (where it is not).
   */
  limits(bytes = 0) {
    const rate = Math.max(FLOOR, this.rate ?? FLOOR);
    const transfer = (bytes * 1000) / rate;
    return { stallMs: STALL_MS, answerMs: Math.ceil(ANSWER_MS + 2 * transfer),
      totalMs: Math.ceil(ANSWER_MS + 3 * transfer) };
  }
}
