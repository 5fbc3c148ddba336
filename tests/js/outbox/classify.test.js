import { describe, expect, it } from "vitest";
import { classify, PERMANENT_CODES, reachedServer, retryAfterMs, WAIT } from "../../../pwa/src/outbox/classify.js";

const JSON_TYPE = "application/json";
const answer = (status, body, { type = JSON_TYPE, retryAfter = null } = {}) => ({
  status, contentType: type, retryAfter, text: typeof body === "string" ? body : JSON.stringify(body),
});
const serverError = (status, code, opts) => answer(status, { error: code, message: "from the server" }, opts);
const NOW = Date.parse("2026-12-01T12:00:00Z");

describe("answers classified by who gave them", () => {
  it("takes only this server's JSON errors with a permanent code as a refusal", () => {
    for (const [status, code] of [[413, "item_too_large"], [422, "not_an_envelope"], [409, "item_conflict"],
      [409, "slot_taken"], [409, "case_too_large"], [422, "sha256_mismatch"]]) {
      expect(classify(serverError(status, code))).toMatchObject({ kind: "refused", status, code });
    }
  });

  it("retries the server's own answers that only ask for another step, or that it does not know", () => {
    for (const [status, code] of [[409, "upload_incomplete"], [404, "upload_not_found"], [404, "case_not_found"],
      [409, "too_many_uploads"], [409, "upload_conflict"], [400, "truncated_body"], [403, "pow_required"],
      [400, "some_code_of_a_later_server"]]) {
      expect(classify(serverError(status, code))).toMatchObject({ kind: "retry", wait: WAIT.SERVER, code });
    }
  });

  it("never lets a proxy's or a portal's page refuse anything", () => {
    const pages = [
      answer(413, "<html><head><title>413 Request Entity Too Large</title></head><body>nginx</body></html>",
        { type: "text/html" }),
      answer(403, "<html>Access denied by your network administrator</html>", { type: "text/html; charset=utf-8" }),
      answer(404, "Not Found", { type: "text/plain" }),
      // the server's shape, but not its content type (a proxy echoing something)
      answer(413, { error: "item_too_large", message: "x" }, { type: "text/html" }),
      // JSON, but not the server's shape
      answer(400, { detail: "bad request" }),
      answer(413, { error: "Item Too Large!", message: "x" }),
      answer(422, "{\"error\": \"not_an_envelope\", \"mess", {}), // cut short
      answer(401, { error: "item_too_large" }), // no message: not the server's shape
    ];
    for (const page of pages) expect(classify(page)).toMatchObject({ kind: "retry", wait: WAIT.UNREACHED });
  });

  it("treats a 2xx that is not this server's JSON as not reached (a captive portal)", () => {
    expect(classify(answer(200, "<html>Connectez-vous au Wi-Fi</html>", { type: "text/html" })))
      .toMatchObject({ kind: "retry", wait: WAIT.UNREACHED });
    expect(classify(answer(200, "not json"))).toMatchObject({ kind: "retry", wait: WAIT.UNREACHED });
    expect(classify(answer(201, { item_id: "x" }, { type: "application/json; charset=utf-8" })))
      .toEqual({ kind: "ok", json: { item_id: "x" } });
    expect(classify({ status: 204, contentType: null, text: "" })).toEqual({ kind: "ok", json: null });
  });

  it("says 'later' for 5xx, 429, 408 and 507, from whoever, and honours Retry-After", () => {
    expect(classify(serverError(503, "unhealthy", { retryAfter: "7" }), NOW))
      .toMatchObject({ kind: "retry", wait: WAIT.BUSY, retryAfterMs: 7000 });
    expect(classify(serverError(507, "storage_full", { retryAfter: "120" }), NOW))
      .toMatchObject({ kind: "retry", wait: WAIT.FULL, retryAfterMs: 120_000 });
    expect(classify(answer(507, "<html>Insufficient Storage</html>", { type: "text/html", retryAfter: "30" }), NOW))
      .toMatchObject({ kind: "retry", wait: WAIT.FULL, retryAfterMs: 30_000 });
    expect(classify(answer(429, "slow down", { type: "text/plain", retryAfter: "Tue, 01 Dec 2026 12:00:42 GMT" }), NOW))
      .toMatchObject({ kind: "retry", wait: WAIT.BUSY, retryAfterMs: 42_000 });
    expect(classify(answer(502, "<html>Bad Gateway</html>", { type: "text/html" }))).toMatchObject({ kind: "retry",
      wait: WAIT.UNREACHED });
    expect(classify(serverError(500, "internal_error"))).toMatchObject({ kind: "retry", wait: WAIT.BUSY });
    expect(classify(serverError(408, "timeout"))).toMatchObject({ kind: "retry", wait: WAIT.BUSY });
    // 413 "too_large" from the server is a refusal; the same number in a 5xx is not
    expect(PERMANENT_CODES.has("too_large")).toBe(true);
    expect(classify(serverError(500, "too_large"))).toMatchObject({ kind: "retry" });
  });

  it("reads Retry-After as seconds or a date, never negative, never for a day", () => {
    expect(retryAfterMs("0", NOW)).toBe(0);
    expect(retryAfterMs(" 15 ", NOW)).toBe(15_000);
    expect(retryAfterMs("Tue, 01 Dec 2026 11:59:00 GMT", NOW)).toBe(0);
    expect(retryAfterMs("86400", NOW)).toBe(30 * 60_000);
    expect(retryAfterMs("soon", NOW)).toBe(0);
    expect(retryAfterMs("-5", NOW)).toBe(0);
    expect(retryAfterMs(null, NOW)).toBe(0);
  });

  it("knows the health route's own answer (healthy or not: the server is reached) from a portal's", () => {
    expect(reachedServer(answer(200, { status: "ok" }))).toBe(true);
    expect(reachedServer(answer(200, { status: "degraded" }))).toBe(true);
    expect(reachedServer(serverError(503, "unhealthy"))).toBe(true);
    expect(reachedServer(answer(200, "<html>login</html>", { type: "text/html" }))).toBe(false);
    expect(reachedServer(answer(200, "{\"status\": \"ok\"}", { type: "text/html" }))).toBe(false);
    expect(reachedServer(answer(503, "<html>Service Unavailable</html>", { type: "text/html" }))).toBe(false);
    expect(reachedServer(answer(200, { ok: true }))).toBe(false);
  });
});
