// The proof-of-work bench page (bench/pow_bench.py): the app's solver (pwa/src/pow) on the page's
// thread and in a worker, and the hash rates of three ways to make SHA-256 in a browser.
import sodiumReady from "libsodium-wrappers-sumo";
import { PrefixHasher } from "../../pwa/src/pow/sha256.js";
import { solve } from "../../pwa/src/pow/solve.js";

const ASCII = new TextEncoder();

async function solveInWorker(challenge) {
  const worker = new Worker("pow-worker.js", { type: "module" });
  try {
    return await new Promise((resolve, reject) => {
      worker.onmessage = ({ data }) => resolve(data);
      worker.onerror = (e) => reject(new Error(e.message));
      worker.postMessage(challenge);
    });
  } finally {
    worker.terminate();
  }
}

/** Candidates per millisecond for `ms` milliseconds, each way. */
async function rates(salt, ms) {
  await sodiumReady.ready;
  const na = sodiumReady;
  const out = {};
  const measure = async (name, step) => {
    let n = 0;
    const start = performance.now();
    while (performance.now() - start < ms) n = await step(n);
    out[name] = n / (performance.now() - start);
  };
  const hasher = new PrefixHasher(ASCII.encode(salt));
  await measure("prefix_js", async (n) => {
    for (let i = 0; i < 1000; i += 1) hasher.digest(ASCII.encode(String(n + i)));
    return n + 1000;
  });
  await measure("libsodium", async (n) => {
    for (let i = 0; i < 1000; i += 1) na.crypto_hash_sha256(ASCII.encode(salt + (n + i)));
    return n + 1000;
  });
  await measure("webcrypto", async (n) => {
    // as ALTCHA's own widget searches: one crypto.subtle.digest per candidate, awaited
    for (let i = 0; i < 100; i += 1) await crypto.subtle.digest("SHA-256", ASCII.encode(salt + (n + i)));
    return n + 100;
  });
  return out;
}

globalThis.powBench = {
  ready: true,
  solveMain: (challenge) => solve(challenge),
  solveWorker: solveInWorker,
  rates,
};
