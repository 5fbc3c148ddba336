// How one item travels to the server. A report (small) goes in one PUT. An attachment goes
// through a resumable upload: started first ("announced": the server checks its header, size
// and the case's room before any byte, so a refusal comes before the report is sent), then cut
// into pieces sized to the measured uplink, two in flight, then completed. The local copy goes
// only when the server's answer names the very item and bytes we sent.
import { withWork } from "../pow/work.js";
import { call, Refused, RetryLater } from "./api.js";
import { WAIT } from "./classify.js";
import { PIECES } from "./limiter.js";
import { readRange } from "./reader.js";

export const DIRECT_LIMIT = 1024 * 1024; // up to this size a report or message goes in one PUT
const OCTETS = "application/octet-stream";
const JSON_TYPE = "application/json";
const COMPLETE_RATE = 10_000; // bytes per ms the server is allowed for assembling an upload
const MEASURE_WAIT_MS = 15_000; // how long an upload waits for the link's first measure

function base64(bytes) {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

async function contentDigest(data) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", data));
  return `sha-256=:${base64(digest)}:`;
}

/** A request body for `data`, with its digest. A Blob, not the bytes: Chromium streams a Blob
 * body to the socket, while an ArrayBuffer body is first copied through the renderer, which
 * held each piece back by a tenth of a second per megabyte (docs/benchmarks.md). */
async function octets(data) {
  return { body: new Blob([data]), headers: { "Content-Type": OCTETS, "Content-Digest": await contentDigest(data) } };
}

/** Whether an item goes through a resumable upload (attachments always: they are announced). */
export function isUploaded(item) {
  return item.kind === "attachment" || item.size > DIRECT_LIMIT;
}

/** The server's answer must name the very bytes we sent before the local copy may go (a 200
 * from a captive portal or a misbehaving proxy is not a confirmation). */
function confirmed(receipt, item) {
  if (receipt?.item_id !== item.itemId || (receipt.sha256 !== undefined && receipt.sha256 !== item.sha256)) {
    throw new RetryLater(WAIT.UNREACHED, `no confirmation from the server for ${item.itemId}`);
  }
}

function uploadState(json, item) {
  const ok = json && Array.isArray(json.received) && typeof json.complete === "boolean" &&
    Number.isInteger(json.chunk_size) && json.chunk_size > 0 && (json.item_id ?? item.itemId) === item.itemId;
  if (!ok) throw new RetryLater(WAIT.UNREACHED, `unexpected answer about the upload of ${item.itemId}`);
  return json;
}

const pieceLength = (item, chunkSize, index) => Math.min(chunkSize, item.size - index * chunkSize);

export async function sendWhole(ctx, item) {
  // work only if the server asks: a report fits its case's free allowance (pow/work.js)
  const receipt = await withWork(ctx, { purpose: "upload", size: item.size }, (work) =>
    call(ctx, "PUT", `/cases/${item.caseId}/items/${item.itemId}`, {
      bytes: item.size,
      prepare: async () => {
        const { body, headers } = await octets(await readRange(ctx.db, item, 0, item.size));
        return { body, headers: { ...headers, ...work } };
      },
    }));
  confirmed(receipt, item);
  ctx.progress(item, item.size);
}

async function startUpload(ctx, item, chunkSize) {
  const path = `/cases/${item.caseId}/uploads/${item.itemId}`;
  let state;
  try {
    // a new upload costs work scaled to its size; one the server knew already is resumed free
    state = uploadState(await withWork(ctx, { purpose: "upload", size: item.size, upfront: !item.announced },
      (work) => call(ctx, "PUT", path, {
        body: JSON.stringify({ size: item.size, chunk_size: chunkSize, sha256: item.sha256, header: item.headerB64 }),
        headers: { "Content-Type": JSON_TYPE, ...work },
      })), item);
  } catch (error) {
    if (!(error instanceof RetryLater) || error.code !== "upload_conflict") throw error;
    // The server holds this upload cut in other pieces (our note of it was lost, or another
    // context raced us): carry on with its pieces.
    state = uploadState(await call(ctx, "GET", path), item);
  }
  await ctx.remember(item, { announced: true, uploadChunkSize: state.chunk_size });
  return state;
}

/** Start the item's upload once per run (memoised): the server's state of it. */
export function announce(ctx, item) {
  let known = ctx.uploads.get(item.itemId);
  if (!known) {
    known = startUpload(ctx, item, item.uploadChunkSize ?? ctx.uplink.chunkSize(item.size));
    ctx.uploads.set(item.itemId, known);
    known.catch(() => ctx.uploads.delete(item.itemId));
  }
  return known;
}

export async function sendChunked(ctx, item) {
  const state = await announce(ctx, item);
  if (state.complete) {
    confirmed(state.item, item);
    ctx.progress(item, item.size);
    return;
  }
  // At most a couple of uploads move pieces at once (each with its own two lanes): the others
  // wait here, and by their turn the link has been measured, so their pieces can be cut to it.
  // The slot is given back once the pieces are sent: the next upload starts while this one is
  // completed.
  const release = await ctx.uploadSlots.acquire();
  let moved;
  try {
    if (!ctx.uplink.measured && state.received.length === 0) {
      // One upload measures a link nobody has measured yet; the others wait for its first piece
      // (its two lanes fill the link meanwhile) and are then cut to what it found.
      if (ctx.measuring && ctx.measuring !== item.itemId) {
        await Promise.race([ctx.uplink.measuredOnce(), new Promise((r) => setTimeout(r, MEASURE_WAIT_MS))]);
      } else ctx.measuring = item.itemId;
    }
    moved = await sendPieces(ctx, item, state);
  } finally {
    release();
    if (ctx.measuring === item.itemId) {
      ctx.measuring = null;
      ctx.uplink.giveUpWaiting();
    }
  }
  if (moved === null) return; // the server held it all already
  await complete(ctx, item, moved);
}

/** Send the pieces the server does not hold. Returns whether any moved, or null if it was complete. */
async function sendPieces(ctx, item, announced) {
  const path = `/cases/${item.caseId}/uploads/${item.itemId}`;
  let state = announced;
  if (state.received.length === 0 && ctx.uplink.wantsOtherSize(state.chunk_size, item.size)) {
    // Nothing is held yet and the link turned out far faster or slower than guessed: cut again.
    await call(ctx, "DELETE", path);
    const again = startUpload(ctx, item, ctx.uplink.chunkSize(item.size));
    ctx.uploads.set(item.itemId, again);
    again.catch(() => ctx.uploads.delete(item.itemId));
    state = await again;
  }
  if (state.complete) {
    confirmed(state.item, item);
    ctx.progress(item, item.size);
    return null;
  }
  const chunkSize = state.chunk_size;
  const count = Math.ceil(item.size / chunkSize);
  const held = new Set(state.received);
  const missing = [];
  let sent = 0;
  for (let index = 0; index < count; index += 1) {
    if (held.has(index)) sent += pieceLength(item, chunkSize, index);
    else missing.push(index);
  }
  ctx.progress(item, sent);
  let next = 0;
  /** @type {any} */
  let failure = null;
  let moved = false;
  const travelling = new Map(); // piece index -> bytes of it handed to the network so far
  const show = () => ctx.progress(item, sent + [...travelling.values()].reduce((a, b) => a + b, 0));
  const lane = async () => {
    while (failure === null && next < missing.length) {
      const index = missing[next];
      next += 1;
      const length = pieceLength(item, chunkSize, index);
      try {
        await ctx.stillWanted(item);
        // Read and hashed before waiting for a slot: while one lane's piece travels, the other
        // lane's next one is read (a stored record can take a while to come back from disk),
        // so the link is not left idle in between. At most one piece per lane is in memory.
        const { body, headers } = await octets(await readRange(ctx.db, item, index * chunkSize, length));
        const answer = await call(ctx, "PUT", `${path}/chunks/${index}`, {
          pool: PIECES,
          bytes: length,
          body,
          headers,
          onUpload: (loaded) => {
            travelling.set(index, Math.min(loaded, length));
            show();
          },
        });
        travelling.delete(index);
        if (answer?.index !== index) throw new RetryLater(WAIT.UNREACHED, `no receipt for piece ${index}`);
        moved = true;
        sent += length;
        show();
      } catch (error) {
        travelling.delete(index);
        failure ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: ctx.lanes }, lane));
  if (failure) {
    failure.progressed = moved;
    throw failure;
  }
  return moved;
}

async function complete(ctx, item, moved) {
  const path = `/cases/${item.caseId}/uploads/${item.itemId}`;
  const limits = { ...ctx.uplink.limits(0) };
  limits.answerMs += Math.ceil(item.size / COMPLETE_RATE);
  limits.totalMs += Math.ceil(item.size / COMPLETE_RATE);
  let done;
  try {
    done = uploadState(await call(ctx, "POST", `${path}/complete`, { limits }), item);
  } catch (error) {
    if (error instanceof RetryLater) error.progressed = moved;
    throw error;
  }
  if (!done.complete) {
    throw Object.assign(new RetryLater(WAIT.SERVER, "the upload is not complete"), { progressed: moved });
  }
  confirmed(done.item, item);
  ctx.progress(item, item.size);
}

export { Refused, RetryLater };
