// When the page tries delivering: now (after queuing, at start, when the network or the page
// comes back, on "send now"), then when the next item is due (each item keeps its own backoff:
// exponential with jitter, so a thousand phones coming back online do not all knock at the same
// second, reset by any progress, and capped at tens of seconds while the app is open).
//
// While something waits for the network, a cheap probe of the health route every few seconds
// notices a network that came back without any `online` event (a phone moving from a dead cell
// to a live one, a captive portal logged into, a server restarted).
import { WAIT } from "./classify.js";

export const BACKOFF_BASE_MS = 2000;
export const BACKOFF_MAX_MS = 30_000;
export const PROBE_EVERY_MS = 5000;

export function backoffDelay(attempt, { base = BACKOFF_BASE_MS, max = BACKOFF_MAX_MS, random = Math.random } = {}) {
  const raw = Math.min(max, base * 2 ** Math.min(attempt, 30));
  return Math.round(raw * (0.7 + 0.6 * random()));
}

/** Waits that a probe can end: the server was not reached. The server's own "later" stands. */
export const PROBED_WAITS = [WAIT.NETWORK, WAIT.UNREACHED];

function normalise(result) {
  if (typeof result === "string") return { status: result, wakeAt: null, waits: new Set() };
  return { status: result?.status ?? "retry", wakeAt: result?.wakeAt ?? null, waits: result?.waits ?? new Set() };
}

/**
 * @param {() => Promise<any>} deliver
 * @param {{ base?: number, max?: number, busyDelay?: number, random?: () => number, now?: () => number,
 *   setTimer?: (fn: () => void, ms: number) => any, clearTimer?: (id: any) => void,
 *   onResult?: (result: { status: string, wakeAt: number | null, waits: Set<string> }) => void,
 *   probe?: (() => Promise<boolean>) | null, probeEveryMs?: number, onHealed?: () => Promise<void> }} [options]
 */
export function createScheduler(deliver, { base = BACKOFF_BASE_MS, max = BACKOFF_MAX_MS, busyDelay = 5000,
  random = Math.random, now = () => Date.now(), setTimer = (fn, ms) => setTimeout(fn, ms),
  clearTimer = (id) => clearTimeout(id), onResult = () => {}, probe = null, probeEveryMs = PROBE_EVERY_MS,
  onHealed = async () => {} } = {}) {
  let attempt = 0; // for deliver functions that answer a bare "retry" with no time
  let timer = null;
  let probeTimer = null;
  let wakeAt = null;
  let running = null;
  let again = false;
  let probing = false;

  function schedule(ms) {
    if (timer !== null) clearTimer(timer);
    wakeAt = now() + ms;
    timer = setTimer(() => {
      timer = null;
      kick();
    }, ms);
  }

  function stopProbe() {
    if (probeTimer !== null) clearTimer(probeTimer);
    probeTimer = null;
  }

  function startProbe() {
    stopProbe();
    const delay = Math.round(probeEveryMs * (0.8 + 0.4 * random()));
    if (wakeAt === null || wakeAt - now() <= delay) return; // the timer comes first anyway
    probeTimer = setTimer(async () => {
      probeTimer = null;
      if (probing || running) return;
      probing = true;
      let healed;
      try {
        healed = await probe();
      } catch {
        healed = false;
      } finally {
        probing = false;
      }
      if (healed) {
        await onHealed();
        kick();
      } else if (timer !== null) startProbe();
    }, delay);
  }

  async function kick() {
    if (running) {
      again = true; // a trigger during a run: run once more afterwards
      return running;
    }
    if (timer !== null) {
      clearTimer(timer);
      timer = null;
    }
    stopProbe();
    running = (async () => {
      let result;
      try {
        result = normalise(await deliver());
      } catch (error) {
        result = { status: "retry", wakeAt: null, waits: new Set([WAIT.NETWORK]) };
        console.error("delivery failed", error);
      }
      onResult(result);
      wakeAt = null;
      if (result.status === "done") attempt = 0;
      else if (result.status === "busy") schedule(busyDelay);
      else if (result.status === "retry") {
        if (result.wakeAt !== null) {
          attempt = 0;
          schedule(Math.max(0, result.wakeAt - now()));
        } else schedule(backoffDelay(attempt++, { base, max, random }));
        if (probe && PROBED_WAITS.some((w) => result.waits.has(w))) startProbe();
      }
      return result;
    })();
    try {
      return await running;
    } finally {
      running = null;
      if (again) {
        again = false;
        kick();
      }
    }
  }

  return { kick, pending: () => timer !== null, probing: () => probeTimer !== null };
}
