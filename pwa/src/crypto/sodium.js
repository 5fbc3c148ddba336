// The one libsodium.js instance every crypto module uses. The sumo build is needed for
// crypto_pwhash (receipts) and crypto_kdf; it is about 1 MB of WebAssembly, so the app loads
// it in the worker and only waits for it here, once.
import sodiumLib from "libsodium-wrappers-sumo";

let loading = null;
let loaded = null;

/** The ready libsodium instance (loads it on the first call). */
export async function sodium() {
  loading ??= sodiumLib.ready.then(() => {
    loaded = sodiumLib;
    return loaded;
  });
  return loading;
}

/**
 * The instance, for the synchronous functions of this folder (constructors cannot await).
 * Callers await sodium() once, at start-up, before calling any of them.
 */
export function readySodium() {
  if (loaded === null) throw new Error("libsodium is not loaded yet: await sodium() first");
  return loaded;
}
