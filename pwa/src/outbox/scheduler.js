// When to try delivering: now (after queuing, at start, when the network or the page comes
// back, on "send now"), then again after a failure with exponential backoff and jitter, so a
// thousand phones coming back online do not all knock at the same second.

export function backoffDelay(attempt, { base = 2000, max = 300_000, random = Math.random } = {}) {
  const raw = Math.min(max, base * 2 ** attempt);
  return Math.round(raw * (0.7 + 0.6 * random()));
}

export function createScheduler(deliver, { base = 2000, max = 300_000, busyDelay = 5000, random = Math.random,
  setTimer = (fn, ms) => setTimeout(fn, ms), clearTimer = (id) => clearTimeout(id), onResult = () => {} } = {}) {
  let attempt = 0;
  let timer = null;
  let running = null;
  let again = false;

  function schedule(ms) {
    if (timer !== null) clearTimer(timer);
    timer = setTimer(() => {
      timer = null;
      kick();
    }, ms);
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
    running = (async () => {
      let result;
      try {
        result = await deliver();
      } catch (error) {
        result = "retry";
        console.error("delivery failed", error);
      }
      onResult(result);
      if (result === "done") attempt = 0;
      else if (result === "busy") schedule(busyDelay);
      else schedule(backoffDelay(attempt++, { base, max, random }));
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

  return { kick, pending: () => timer !== null };
}
