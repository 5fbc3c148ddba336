// The citizen's side of the mailbox API (docs/conversation.md, "HTTP"): prove the receipt by
// signing a fresh challenge, hold the short-lived bearer token in memory only, list the case's
// items, fetch their ciphertext, mark replies read, and wait for changes (long poll).
// No cookie, no credentials, no referrer; the token never goes anywhere but this server.
import { API } from "../../outbox/api.js";
import { classify } from "../../outbox/classify.js";

/** The receipt opens no mailbox here: unknown, wrong or refused (the server never says which). */
export class MailboxDenied extends Error {}

/** No answer from this server now (network, portal, busy): try again later; `wait` says why. */
export class MailboxUnreachable extends Error {
  constructor(wait, message) {
    super(message);
    this.wait = wait;
  }
}

const OPTIONS = { cache: "no-store", credentials: "omit", referrerPolicy: "no-referrer", redirect: "manual" };
const TOKEN_MARGIN_MS = 30_000; // a token this close to its end is renewed before use
const REQUEST_MS = 20_000;
export const POLL_MS = 35_000; // the server answers a long poll after ~25 s at most
const HEX32 = /^[0-9a-f]{32}$/;

/** A signal aborted by `signal` or after `ms` (AbortSignal.any is too recent for Safari 16). */
function withTimeout(signal, ms) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException("timed out", "TimeoutError")), ms);
  const stop = () => {
    clearTimeout(timer);
    controller.abort(signal.reason);
  };
  if (signal?.aborted) stop();
  else signal?.addEventListener("abort", stop, { once: true });
  controller.signal.addEventListener("abort", () => clearTimeout(timer), { once: true });
  return controller.signal;
}

const KINDS = { report: 1, attachment: 2, message: 3, reply: 4 };
const kindOf = (kind) => (typeof kind === "string" ? KINDS[kind] : kind); // named, or the header's number

function checkListing(json) {
  const ok = json && typeof json === "object" && HEX32.test(json.case_id ?? "") && Array.isArray(json.items) &&
    json.items.every((i) => i && HEX32.test(i.id ?? "") && Number.isInteger(kindOf(i.kind)) && kindOf(i.kind) >= 1 &&
      kindOf(i.kind) <= 4 && Number.isInteger(i.seq));
  if (!ok) throw new MailboxUnreachable("unreached", "unexpected mailbox listing");
  return {
    caseId: json.case_id,
    status: typeof json.status === "string" ? json.status : "new",
    revision: Number.isInteger(json.revision) ? json.revision : 0,
    readByPoliceUpTo: Number.isInteger(json.read_by_police_up_to) ? json.read_by_police_up_to : null,
    readByCitizenUpTo: Number.isInteger(json.read_by_citizen_up_to) ? json.read_by_citizen_up_to : 0,
    items: json.items.map((i) => ({ id: i.id, kind: kindOf(i.kind), seq: i.seq, size: i.size ?? 0,
      sha256: i.sha256 ?? "",
      partIndex: Number.isInteger(i.part_index) ? i.part_index : i.kind === "attachment" ? null : 0,
      receivedAt: typeof i.received_at === "string" ? i.received_at : null })).sort((a, b) => a.seq - b.seq),
  };
}

export class MailboxClient {
  /**
   * `mailboxId`: 32 hex digits; `sign(challenge)` resolves to the base64 Ed25519 signature
   * (made in the crypto worker). `fetchFn` and `now` for tests.
   */
  constructor({ mailboxId, sign, fetchFn = globalThis.fetch?.bind(globalThis), base = "", now = () => Date.now() }) {
    this.mailboxId = mailboxId;
    this.sign = sign;
    this.fetchFn = fetchFn;
    this.base = base;
    this.now = now;
    this.token = null;
    this.expiresAt = 0;
    this.caseId = null;
    this.signingIn = null;
  }

  /**
   * One request; {status, json} for this server's answers, or throws MailboxUnreachable.
   * @param {string} method
   * @param {string} path
   * @param {{ body?: any, token?: string | null, timeoutMs?: number, signal?: AbortSignal,
   *   binary?: boolean }} [options]
   */
  async request(method, path, { body, token, timeoutMs = REQUEST_MS, signal, binary = false } = {}) {
    const headers = {};
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (token) headers.Authorization = `Bearer ${token}`;
    const both = withTimeout(signal, timeoutMs);
    let response;
    try {
      response = await this.fetchFn(this.base + API + path, { ...OPTIONS, method, headers, signal: both,
        body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (error) {
      if (signal?.aborted) throw error; // the caller gave up (the screen closed): not a network problem
      throw new MailboxUnreachable("network", `${method} ${path}: ${error?.message ?? error}`);
    }
    const contentType = response.headers.get("Content-Type") ?? "";
    if (binary && response.status === 200 && contentType.startsWith("application/octet-stream")) {
      return { status: 200, bytes: new Uint8Array(await response.arrayBuffer()) };
    }
    const answer = { status: response.status, contentType, retryAfter: response.headers.get("Retry-After"),
      text: await response.text() };
    const verdict = classify(answer, this.now());
    if (verdict.kind === "ok") {
      if (binary) throw new MailboxUnreachable("unreached", `${path}: not ciphertext`);
      return { status: answer.status, json: verdict.json };
    }
    if (verdict.code === "mailbox_denied" || (answer.status === 401 && verdict.code)) {
      return { status: 401, code: verdict.code };
    }
    if (verdict.kind === "refused") return { status: answer.status, code: verdict.code };
    throw new MailboxUnreachable(verdict.wait, `${method} ${path}: HTTP ${answer.status} ${verdict.code ?? ""}`);
  }

  /** Challenge, signature, token. Throws MailboxDenied (the same for every refusal) or MailboxUnreachable. */
  async signIn() {
    this.signingIn ??= (async () => {
      try {
        const asked = await this.request("POST", "/mailbox/challenge", { body: { mailbox: this.mailboxId } });
        const challenge = asked.json?.challenge;
        if (asked.status >= 400 || typeof challenge !== "string") throw new MailboxDenied("no challenge");
        const signature = await this.sign(challenge);
        const session = await this.request("POST", "/mailbox/session",
          { body: { mailbox: this.mailboxId, challenge, signature } });
        const { token, expires_in: expiresIn, case_id: caseId } = session.json ?? {};
        if (session.status >= 400 || typeof token !== "string" || !HEX32.test(caseId ?? "")) {
          throw new MailboxDenied("refused");
        }
        this.token = token;
        this.caseId = caseId;
        this.expiresAt = this.now() + Math.max(60, Number(expiresIn) || 900) * 1000;
        return caseId;
      } finally {
        this.signingIn = null;
      }
    })();
    return this.signingIn;
  }

  /** A request with the token, signing in again once if it has expired or was refused. */
  async authed(method, path, options = {}) {
    if (!this.token || this.now() > this.expiresAt - TOKEN_MARGIN_MS) await this.signIn();
    let answer = await this.request(method, path, { ...options, token: this.token });
    if (answer.status === 401) {
      this.token = null;
      await this.signIn();
      answer = await this.request(method, path, { ...options, token: this.token });
      if (answer.status === 401) throw new MailboxDenied("refused");
    }
    return answer;
  }

  /** The case's items as the server lists them (not authenticated: docs/envelope.md section 15). */
  async list() {
    const answer = await this.authed("GET", "/mailbox");
    if (answer.status >= 400) throw new MailboxUnreachable("server", `GET /mailbox: ${answer.code}`);
    return checkListing(answer.json);
  }

  /** One item's ciphertext. */
  async item(id) {
    if (!HEX32.test(id)) throw new TypeError("an item id is 32 hex digits");
    const answer = await this.authed("GET", `/mailbox/items/${id}`, { binary: true, timeoutMs: 60_000 });
    if (!answer.bytes) throw new MailboxUnreachable("server", `GET item ${id}: ${answer.code}`);
    return answer.bytes;
  }

  /** The citizen has read the replies up to `seq`. */
  async markRead(seq) {
    await this.authed("POST", "/mailbox/read", { body: { up_to: seq } });
  }

  /** Resolves to the mailbox's revision once it exceeds `after` (or the same one after ~25 s). */
  async waitForChange(after, signal) {
    const answer = await this.authed("GET", `/events/mailbox?after=${encodeURIComponent(after)}`,
      { signal, timeoutMs: POLL_MS });
    if (answer.status >= 400 || !Number.isInteger(answer.json?.revision)) {
      throw new MailboxUnreachable("server", `events: ${answer.code ?? "unexpected answer"}`);
    }
    return answer.json.revision;
  }

  /** Quick exit, or the screen closed for good: the token leaves memory. */
  forget() {
    this.token = null;
    this.expiresAt = 0;
  }
}
