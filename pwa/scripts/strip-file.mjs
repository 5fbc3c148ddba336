#!/usr/bin/env node
// Strip a file's metadata as the phone does: node pwa/scripts/strip-file.mjs IN OUT [--type MIME]
// Prints the result as one JSON line; writes OUT only when the file was cleaned, reading the
// cleaned source 1 MiB at a time (as the sealing code does). Exit code: 0 cleaned,
// 3 unsupported or refused, 2 bad usage. The oracle tests (tests/media) drive it.
import { openAsBlob } from "node:fs";
import { open } from "node:fs/promises";
import { stripMetadata } from "../src/media/strip.js";

const PIECE = 1024 * 1024;

const args = process.argv.slice(2);
const typeAt = args.indexOf("--type");
const type = typeAt === -1 ? "" : args.splice(typeAt, 2)[1];
if (args.length !== 2 || type === undefined) {
  console.error("usage: strip-file.mjs IN OUT [--type MIME]");
  process.exit(2);
}
const [input, output] = args;

const result = await stripMetadata(await openAsBlob(input, { type }), { name: input, type });
if (result.status === "cleaned") {
  const file = await open(output, "w");
  try {
    for (let offset = 0; offset < result.source.size; offset += PIECE) {
      const piece = await result.source.read(offset, PIECE);
      await file.write(piece);
    }
  } finally {
    await file.close();
  }
}
const { status, mediaType, removed, kept, reason } = result;
console.log(JSON.stringify({ status, mediaType, removed, kept, reason }));
process.exit(status === "cleaned" ? 0 : 3);
