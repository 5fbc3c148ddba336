import { describe, expect, it } from "vitest";
import { openDB } from "idb";
import sodiumLib from "libsodium-wrappers-sumo";

describe("toolchain", () => {
  it("resolves packages from pwa/node_modules and has IndexedDB and libsodium", async () => {
    await sodiumLib.ready;
    expect(sodiumLib.crypto_aead_xchacha20poly1305_ietf_KEYBYTES).toBe(32);
    const db = await openDB("t", 1, { upgrade: (d) => d.createObjectStore("s") });
    await db.put("s", 1, "k");
    expect(await db.get("s", "k")).toBe(1);
  });
});
