// Promise-based calls to the crypto worker (stripping, encryption, key checks, receipts).
// The worker is started lazily: libsodium (about 1 MB) loads after the first screen shows.
/* global __TIPLINE_WORKER_URL__ */

let worker = null;
let nextId = 0;
const pending = new Map();

function start() {
  worker = new Worker(__TIPLINE_WORKER_URL__, { type: "module", name: "tipline-crypto" });
  worker.onmessage = ({ data }) => {
    const call = pending.get(data.id);
    if (!call) return;
    if (data.type === "progress") call.onProgress?.(data);
    else {
      pending.delete(data.id);
      if (data.type === "result") call.resolve(data.value);
      else call.reject(Object.assign(new Error(data.message), { code: data.code }));
    }
  };
  worker.onerror = (event) => {
    for (const call of pending.values()) call.reject(new Error(event.message || "worker failed"));
    pending.clear();
    worker = null;
  };
}

/**
 * @param {string} op
 * @param {object} [payload]
 * @param {{onProgress?: (progress: any) => void}} [options]
 */
export function callWorker(op, payload = {}, { onProgress } = {}) {
  if (!worker) start();
  nextId += 1;
  const id = nextId;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject, onProgress });
    worker.postMessage({ id, op, ...payload });
  });
}

/**
 * Run one call in a worker of its own, ended afterwards. For the receipt: Argon2id grows
 * libsodium's memory to about 70 MB, which WebAssembly never gives back; a throwaway worker
 * returns it to the phone at once.
 */
export function callOnce(op, payload = {}) {
  const once = new Worker(__TIPLINE_WORKER_URL__, { type: "module", name: "tipline-once" });
  return new Promise((resolve, reject) => {
    once.onmessage = ({ data }) => {
      if (data.type === "progress") return;
      once.terminate();
      if (data.type === "result") resolve(data.value);
      else reject(Object.assign(new Error(data.message), { code: data.code }));
    };
    once.onerror = (event) => {
      once.terminate();
      reject(new Error(event.message || "worker failed"));
    };
    once.postMessage({ id: 0, op, ...payload });
  });
}

export function warmUp() {
  if (!worker) start();
}
