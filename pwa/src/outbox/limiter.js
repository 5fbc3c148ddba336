// How many requests the outbox has in flight at once. Two fill the citizen's link: while one
// piece travels, the next is read, hashed and sent, so the round trip and the phone's own work
// between pieces no longer leave the link idle (docs/benchmarks.md). Small requests (opening a
// case, the report, starting or completing an upload) go before pieces waiting their turn, so a
// report is not stuck behind a video.

export const URGENT = 0;
export const BULK = 1;

export function createLimiter(slots = 2) {
  let free = slots;
  const queues = [[], []];

  function next() {
    while (free > 0) {
      const waiter = queues[URGENT].shift() ?? queues[BULK].shift();
      if (!waiter) return;
      free -= 1;
      waiter();
    }
  }

  /** Wait for a slot; resolves to a function that gives it back (call it exactly once). */
  function acquire(priority = BULK) {
    return new Promise((resolve) => {
      queues[priority === URGENT ? URGENT : BULK].push(() => {
        let released = false;
        resolve(() => {
          if (released) return;
          released = true;
          free += 1;
          next();
        });
      });
      next();
    });
  }

  return { acquire, get busy() { return slots - free; } };
}
