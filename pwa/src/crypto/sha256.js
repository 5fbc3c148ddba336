// Streaming SHA-256 on libsodium's state. The state lives in WebAssembly memory and is freed
// only by crypto_hash_sha256_final, so an abandoned hash must be disposed of.
import { readySodium } from "./sodium.js";

export class Sha256 {
  constructor() {
    this.sodium = readySodium();
    this.state = this.sodium.crypto_hash_sha256_init();
  }

  update(bytes) {
    this.sodium.crypto_hash_sha256_update(this.state, bytes);
  }

  digest() {
    const state = this.state;
    this.state = null;
    return this.sodium.crypto_hash_sha256_final(state);
  }

  /** Free the state if digest() was never reached (an error, a cancelled upload). */
  dispose() {
    if (this.state !== null) this.digest();
  }
}
