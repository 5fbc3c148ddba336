// An in-memory stand-in for the citizen API's upload protocol, for unit tests of delivery.
// The real server is exercised by the browser and end-to-end tests; this one lets a test cut
// the network, answer like a proxy or a portal, or fail a given request deterministically.
import { createHash } from "node:crypto";

// What the real server answers about a stored item (server/schemas/common.py ItemReceiptSchema).
const receipt = (itemId, caseId, bytes) => ({ item_id: itemId, case_id: caseId, size: bytes.length,
  sha256: createHash("sha256").update(bytes).digest("hex") });

export const MIN_CHUNK = 64 * 1024; // as the server's TIPLINE_MIN_CHUNK_BYTES
export const MAX_CHUNK = 8 * 1024 * 1024;

/** A JSON answer as this server gives it. */
export const json = (status, body, headers = {}) => new Response(body === null ? null : JSON.stringify(body),
  { status, headers: { "Content-Type": "application/json", ...headers } });
/** This server's error shape. */
export const serverError = (status, code, headers = {}) => json(status, { error: code, message: `${code} (test)` },
  headers);
/** Anything but this server: a proxy's or a portal's HTML page. */
export const html = (status, text = "<html><body>Bienvenue sur le Wi-Fi</body></html>", headers = {}) =>
  new Response(text, { status, headers: { "Content-Type": "text/html", ...headers } });

export function fakeServer() {
  const server = {
    cases: new Set(), items: new Map(), uploads: new Map(), log: [], created: [], down: false,
    rules: [], // (method, path, request) => Response | Error | undefined: answered instead of the server
    inFlight: 0, maxInFlight: 0, limits: { maxItem: Infinity },
  };
  // kept for older tests: fail the next request matching with a 503
  Object.defineProperty(server, "failNext", {
    set(when) {
      if (!when) return;
      let used = false;
      server.rules.push((method, path) => {
        if (used || !when(method, path)) return undefined;
        used = true;
        return serverError(503, "unavailable");
      });
    },
  });

  const handle = async (method, path, body) => {
    let m;
    // a server that asks for no proof of work (tests/js/pow makes one that does)
    if (path === "/api/v1/pow" && method === "GET") return serverError(404, "pow_disabled");
    if ((m = path.match(/^\/api\/v1\/cases\/(\w+)$/)) && method === "PUT") {
      const created = !server.cases.has(m[1]);
      server.cases.add(m[1]);
      return json(created ? 201 : 200, { case_id: m[1], items: [] });
    }
    if ((m = path.match(/^\/api\/v1\/cases\/(\w+)\/items\/(\w+)$/)) && method === "PUT") {
      if (!server.cases.has(m[1])) return serverError(404, "case_not_found");
      const bytes = new Uint8Array(body);
      const existing = server.items.get(m[2]);
      if (existing && !sameBytes(existing, bytes)) return serverError(409, "item_conflict");
      server.items.set(m[2], bytes);
      return json(existing ? 200 : 201, receipt(m[2], m[1], bytes));
    }
    if ((m = path.match(/^\/api\/v1\/cases\/(\w+)\/uploads\/(\w+)$/))) {
      const [, caseId, itemId] = m;
      if (!server.cases.has(caseId)) return serverError(404, "case_not_found");
      const state = (upload, complete = false) => ({ item_id: itemId, case_id: caseId, size: upload.params.size,
        chunk_size: upload.params.chunk_size, chunk_count: Math.ceil(upload.params.size / upload.params.chunk_size),
        received: [...upload.chunks.keys()].sort((a, b) => a - b), complete, item: null });
      if (method === "DELETE") {
        if (!server.uploads.delete(itemId)) return serverError(404, "upload_not_found");
        return new Response(null, { status: 204 });
      }
      if (method === "GET") {
        const upload = server.uploads.get(itemId);
        return upload ? json(200, state(upload)) : serverError(404, "upload_not_found");
      }
      if (method !== "PUT") return serverError(405, "method_not_allowed");
      const params = JSON.parse(body);
      if (server.items.has(itemId)) {
        const bytes = server.items.get(itemId);
        return json(200, { item_id: itemId, case_id: caseId, size: bytes.length, chunk_size: params.chunk_size,
          chunk_count: 1, received: [0], complete: true, item: receipt(itemId, caseId, bytes) });
      }
      if (params.chunk_size > MAX_CHUNK || (params.chunk_size < MIN_CHUNK && params.chunk_size < params.size)) {
        return serverError(400, "bad_chunk_size");
      }
      if (params.size > server.limits.maxItem) return serverError(413, "item_too_large");
      const existing = server.uploads.get(itemId);
      if (existing) {
        if (existing.params.chunk_size !== params.chunk_size) return serverError(409, "upload_conflict");
        return json(200, state(existing));
      }
      const upload = { params, chunks: new Map() };
      server.uploads.set(itemId, upload);
      server.created.push({ itemId, chunkSize: params.chunk_size });
      return json(201, state(upload));
    }
    if ((m = path.match(/^\/api\/v1\/cases\/(\w+)\/uploads\/(\w+)\/chunks\/(\d+)$/)) && method === "PUT") {
      const upload = server.uploads.get(m[2]);
      if (!upload) return serverError(server.items.has(m[2]) ? 409 : 404,
        server.items.has(m[2]) ? "already_complete" : "upload_not_found");
      const index = Number(m[3]);
      const { size, chunk_size: chunkSize } = upload.params;
      const want = Math.min(chunkSize, size - index * chunkSize);
      const bytes = new Uint8Array(body);
      if (bytes.length !== want) return serverError(422, "bad_chunk_length");
      upload.chunks.set(index, bytes);
      return json(201, { index, sha256: "x", new: true });
    }
    if ((m = path.match(/^\/api\/v1\/cases\/(\w+)\/uploads\/(\w+)\/complete$/)) && method === "POST") {
      const upload = server.uploads.get(m[2]);
      if (!upload) {
        if (!server.items.has(m[2])) return serverError(404, "upload_not_found");
        const bytes = server.items.get(m[2]);
        return json(200, { item_id: m[2], case_id: m[1], size: bytes.length, chunk_size: bytes.length, chunk_count: 1,
          received: [0], complete: true, item: receipt(m[2], m[1], bytes) });
      }
      const { size, chunk_size: chunkSize } = upload.params;
      const n = Math.ceil(size / chunkSize);
      const missing = [...Array(n).keys()].filter((i) => !upload.chunks.has(i));
      if (missing.length) return json(409, { error: "upload_incomplete", message: "", details: { missing } });
      const whole = new Uint8Array(size);
      for (let i = 0; i < n; i += 1) whole.set(upload.chunks.get(i), i * chunkSize);
      server.items.set(m[2], whole);
      server.uploads.delete(m[2]);
      return json(200, { item_id: m[2], case_id: m[1], size, chunk_size: chunkSize, chunk_count: n,
        received: [...Array(n).keys()], complete: true, item: receipt(m[2], m[1], whole) });
    }
    return serverError(404, "not_found");
  };

  server.fetch = async (url, init = {}) => {
    const method = init.method ?? "GET";
    const path = new URL(url, "http://x").pathname;
    server.log.push(`${method} ${path}`);
    if (server.down) throw new TypeError("Failed to fetch");
    server.inFlight += 1;
    server.maxInFlight = Math.max(server.maxInFlight, server.inFlight);
    try {
      await new Promise((r) => setTimeout(r, 1)); // a request takes time: concurrency shows
      for (const rule of server.rules) {
        const answer = await rule(method, path, init, url);
        if (answer instanceof Error) throw answer;
        if (answer) return answer;
      }
      let body = init.body === undefined ? null : init.body;
      if (body instanceof Blob) body = new Uint8Array(await body.arrayBuffer()); // pieces travel as Blobs
      return await handle(method, path, body);
    } finally {
      server.inFlight -= 1;
    }
  };
  return server;
}

function sameBytes(a, b) {
  return Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;
}
