// The cleaned-file source: parts in memory, on the Blob and zeros, read across their edges.
import { describe, expect, it } from "vitest";
import { blobPart, bytesPart, partsSource, readAll, zeroPart } from "../../../pwa/src/media/source.js";

const blob = new Blob([Uint8Array.from({ length: 100 }, (_, i) => i)]);

describe("partsSource", () => {
  const source = partsSource([bytesPart(Uint8Array.of(200, 201)), blobPart(blob, 10, 20), zeroPart(3),
    bytesPart(new Uint8Array(0)), blobPart(blob, 90, 100)]);

  it("adds up the parts and reads across their edges", async () => {
    expect(source.size).toBe(25);
    expect([...(await source.read(0, 4))]).toEqual([200, 201, 10, 11]);
    expect([...(await source.read(10, 6))]).toEqual([18, 19, 0, 0, 0, 90]);
    expect([...(await readAll(source))]).toEqual([200, 201, ...Array.from({ length: 10 }, (_, i) => 10 + i), 0, 0, 0,
      ...Array.from({ length: 10 }, (_, i) => 90 + i)]);
  });

  it("returns fewer bytes only at the end, and none past it", async () => {
    expect([...(await source.read(23, 10))]).toEqual([98, 99]);
    expect((await source.read(25, 10)).length).toBe(0);
    expect((await source.read(-1, 10)).length).toBe(0);
  });

  it("fails rather than return other bytes when the file shrank since it was parsed", async () => {
    const shrunk = partsSource([blobPart(new Blob([new Uint8Array(5)]), 0, 10)]);
    await expect(shrunk.read(0, 10)).rejects.toThrow("the file changed while it was being read");
  });
});
