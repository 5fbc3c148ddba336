// "J'ai un reçu": the citizen types the receipt back (by hand, from paper: spaces, dashes,
// lower case and look-alikes do not matter). Every keystroke is checked at once in the crypto
// worker (characters, length, check characters), before any network or Argon2id work; only a
// well-formed receipt derives its keys (Argon2id, in a worker of its own) and signs in. A wrong
// but well-formed receipt gets the same words as an unknown one: the server tells nothing more.
import { h, newId } from "../dom.js";
import { t, tx } from "../i18n.js";
import { MailboxDenied, MailboxUnreachable } from "../mailbox/client.js";
import { openSession } from "../mailbox/session.js";
import { updateMailbox } from "../mailbox/store.js";
import { go } from "../router.js";
import { callWorker } from "../worker-client.js";

const V2_LENGTH = 18;
const V1_LENGTH = 16;

/** The words for a check's result (null: nothing to say yet). `final` on submit. */
export function receiptProblem(check, { final = false } = {}) {
  if (check.ok) return null;
  if (check.code === "receipt_bad_character") {
    return t("receipt.bad_character", { character: check.character ?? "?", position: check.position ?? "?" });
  }
  if (check.code === "receipt_bad_check") return t("receipt.bad_check");
  if (check.length > V2_LENGTH) return t("receipt.too_long", { count: check.length });
  if (!final) return null; // still typing
  if (check.length === 0) return t("receipt.empty");
  return t("receipt.too_short", { count: check.length });
}

// The screen on show: a redraw (language, the police key verified) keeps it, and what is typed.
let shown = null;

export async function receiptScreen() {
  if (shown?.some((node) => node.isConnected)) return shown;
  const inputId = newId("receipt");
  const hintId = newId("receipt-hint");
  const errorId = newId("receipt-error");
  const input = h("input", { id: inputId, name: "receipt", type: "text", class: "receipt-input", autocomplete: "off",
    autocapitalize: "characters", spellcheck: "false", autocorrect: "off", inputmode: "text", "data-receipt-input": "",
    "aria-describedby": `${hintId} ${errorId}`, maxlength: "64" });
  const error = h("p", { id: errorId, class: "field-error", role: "alert", "data-receipt-error": "" });
  const counter = h("p", { class: "hint", "aria-live": "polite", "data-receipt-count": "" });
  const keep = h("input", { id: newId("keep"), type: "checkbox", "data-keep-receipt": "" });
  const submit = h("button", { type: "submit", class: "button button--primary button--big", ...tx("receipt.open") });
  const status = h("p", { class: "hint", role: "status", "data-receipt-status": "" });
  let asked = 0; // answers of the worker come back in order, but a stale one must not win
  let lastCheck = { ok: false, length: 0 };

  async function check(final = false) {
    const mine = ++asked;
    const result = await callWorker("check-receipt", { text: input.value });
    if (mine !== asked) return null;
    lastCheck = result;
    const problem = receiptProblem(result, { final });
    error.textContent = problem ?? "";
    input.setAttribute("aria-invalid", problem ? "true" : "false");
    counter.textContent = result.ok ? t("receipt.looks_right")
      : t("receipt.count", { count: Math.min(result.length, 99) });
    return result;
  }

  input.addEventListener("input", () => {
    status.textContent = "";
    check().catch(() => {});
  });

  const form = h("form", { novalidate: true, "data-receipt-form": "" },
    h("div", { class: "field" },
      h("label", { for: inputId, ...tx("receipt.label") }),
      h("p", { id: hintId, class: "hint", ...tx("receipt.hint") }),
      input, counter, error),
    h("div", { class: "check" }, keep, h("label", { for: keep.id, ...tx("receipt.keep") })),
    submit, status);

  let busy = false;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (busy) return;
    const result = await check(true).catch(() => lastCheck);
    if (!result?.ok) {
      input.focus();
      return;
    }
    busy = true;
    submit.disabled = true;
    status.textContent = t("receipt.opening");
    try {
      const text = input.value;
      const session = await openSession(text);
      input.value = ""; // the receipt leaves the page's fields at once
      if (keep.checked) await updateMailbox(session.caseId, { mailboxId: session.mailboxId, receipt: text });
      else await updateMailbox(session.caseId, { mailboxId: session.mailboxId, receipt: undefined });
      go(`conversation/${session.caseId}`);
    } catch (failure) {
      status.textContent = "";
      if (failure instanceof MailboxDenied) error.textContent = t("receipt.denied");
      else if (failure instanceof MailboxUnreachable) error.textContent = t("receipt.offline");
      else error.textContent = t("receipt.failed", { error: failure?.message ?? String(failure) });
      input.focus();
    } finally {
      busy = false;
      submit.disabled = false;
    }
  });

  shown = [
    h("h1", { ...tx("receipt.title") }),
    h("p", { ...tx("receipt.intro") }),
    form,
    h("p", { class: "hint", ...tx("receipt.privacy") }),
  ];
  return shown;
}

export { V1_LENGTH, V2_LENGTH };
