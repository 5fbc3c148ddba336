// An in-memory stand-in for the citizen API's upload protocol, for unit tests of delivery.
// The real server is exercised by the browser and end-to-end tests; this one lets a test
// cut the network or fail a given request deterministically.
import { createHash } from "node:crypto";

// What the real server answers about a stored item (server/schemas/common.py ItemReceiptSchema).
const receipt = (itemId, caseId, bytes) => ({ item_id: itemId, case_id: caseId, size: bytes.length,
  sha256: createHash("sha256").update(bytes).digest("hex") });

export function fakeServer() {
  const server = { cases: new Set(), items: new Map(), uploads: new Map(), log: [], failNext: null, down: false };

  const json = (status, body) => new Response(body === null ? null : JSON.stringify(body),
    { status, headers: { "Content-Type": "application/json" } });

  server.fetch = async (url, init = {}) => {
    const method = init.method ?? "GET";
    const path = new URL(url, "http://x").pathname;
    server.log.push(`${method} ${path}`);
    if (server.down) throw new TypeError("Failed to fetch");
    if (server.failNext && server.failNext(method, path)) {
      server.failNext = null;
      return json(503, { error: "unavailable", message: "try later" });
    }
    const body = init.body === undefined ? null : init.body;
    let m;
    if ((m = path.match(/^\/api\/v1\/cases\/(\w+)$/)) && method === "PUT") {
      const created = !server.cases.has(m[1]);
      server.cases.add(m[1]);
      return json(created ? 201 : 200, { case_id: m[1], items: [] });
    }
    if ((m = path.match(/^\/api\/v1\/cases\/(\w+)\/items\/(\w+)$/)) && method === "PUT") {
      const bytes = new Uint8Array(body);
      const existing = server.items.get(m[2]);
      if (existing && !sameBytes(existing, bytes)) return json(409, { error: "item_conflict", message: "" });
      server.items.set(m[2], bytes);
      return json(existing ? 200 : 201, receipt(m[2], m[1], bytes));
    }
    if ((m = path.match(/^\/api\/v1\/cases\/(\w+)\/uploads\/(\w+)$/)) && method === "PUT") {
      const params = JSON.parse(body);
      if (server.items.has(m[2])) {
        return json(200, { complete: true, received: [], chunk_count: 0, item: receipt(m[2], m[1], server.items.get(m[2])) });
      }
      const upload = server.uploads.get(m[2]) ?? { params, chunks: new Map() };
      server.uploads.set(m[2], upload);
      return json(201, { complete: false, received: [...upload.chunks.keys()].sort((a, b) => a - b),
        chunk_count: Math.ceil(params.size / params.chunk_size) });
    }
    if ((m = path.match(/^\/api\/v1\/cases\/(\w+)\/uploads\/(\w+)\/chunks\/(\d+)$/)) && method === "PUT") {
      const upload = server.uploads.get(m[2]);
      if (!upload) return json(server.items.has(m[2]) ? 409 : 404, { error: "upload_not_found", message: "" });
      upload.chunks.set(Number(m[3]), new Uint8Array(body));
      return json(201, { index: Number(m[3]), new: true });
    }
    if ((m = path.match(/^\/api\/v1\/cases\/(\w+)\/uploads\/(\w+)\/complete$/)) && method === "POST") {
      const upload = server.uploads.get(m[2]);
      if (!upload) {
        if (!server.items.has(m[2])) return json(404, { error: "upload_not_found", message: "" });
        return json(200, { complete: true, received: [], item: receipt(m[2], m[1], server.items.get(m[2])) });
      }
      const n = Math.ceil(upload.params.size / upload.params.chunk_size);
      const missing = [...Array(n).keys()].filter((i) => !upload.chunks.has(i));
      if (missing.length) return json(409, { error: "upload_incomplete", message: "", details: { missing } });
      const whole = new Uint8Array(upload.params.size);
      let offset = 0;
      for (let i = 0; i < n; i += 1) {
        whole.set(upload.chunks.get(i), offset);
        offset += upload.chunks.get(i).length;
      }
      server.items.set(m[2], whole);
      server.uploads.delete(m[2]);
      return json(200, { complete: true, received: [...Array(n).keys()], item: receipt(m[2], m[1], whole) });
    }
    return json(404, { error: "not_found", message: path });
  };
  return server;
}

function sameBytes(a, b) {
  return Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;
}
