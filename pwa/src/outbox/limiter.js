// How many requests the outbox has in flight at once. Two pieces fill the citizen's link: while
// one travels, the next is read, hashed and sent, so the round trip and the phone's own work
// between pieces no longer leave the link idle (docs/benchmarks.md). Small requests (opening a
// case, the report, starting or completing an upload) have slots of their own: a report is
// never stuck behind a video's pieces, and an upload that is being completed or started does
// not take a slot from the pieces of another.

export const SMALL = "small";
export const PIECES = "pieces";

/** A first-come, first-served semaphore of `slots`. */
export function createLimiter(slots = 2) {
  let free = slots;
  const queue = [];

  function next() {
    while (free > 0 && queue.length) {
      free -= 1;
      queue.shift()();
    }
  }

  /** Wait for a slot; resolves to a function that gives it back (a second call does nothing). */
  function acquire() {
    return new Promise((resolve) => {
      queue.push(() => {
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

  return { acquire, get busy() { return slots - free; }, get waiting() { return queue.length; } };
}
