// "Garder le brouillon sur ce téléphone": off by default; when ticked, the citizen chooses a
// passphrase, told plainly what it protects and what it does not (draft-vault.js). Two faces:
// the opt-in above the form, and the unlock panel shown instead of the form when a draft is kept.
import { h, newId } from "../dom.js";
import { t, tx } from "../i18n.js";
import { DraftVault, MIN_PASSPHRASE, WrongPassphrase, wipeKeptDraft } from "../draft-vault.js";

function passphraseField(labelKey, hintKey) {
  const id = newId("draft-code");
  const hintId = hintKey ? `${id}-hint` : null;
  const error = h("p", { class: "field-error", id: `${id}-error`, "aria-live": "polite" });
  // "off": a password manager must not offer to save it (it would say a draft exists, elsewhere)
  const input = h("input", { id, type: "password", autocomplete: "off", spellcheck: "false", autocapitalize: "off",
    "aria-describedby": [hintId, error.id].filter(Boolean).join(" "), "data-draft-code": "" });
  const node = h("div", { class: "field" }, h("label", { for: id, ...tx(labelKey) }),
    hintKey ? h("p", { class: "hint", id: hintId, ...tx(hintKey) }) : null, input, error);
  return { node, input, error };
}

const timeNow = () => new Date().toLocaleTimeString(document.documentElement.lang === "en" ? "en-GB" : "fr-FR",
  { hour: "2-digit", minute: "2-digit" });

/**
 * The opt-in. getState() returns what to seal; the keeper saves it a moment after each change,
 * at once when the page is hidden (a call, the camera), and forgets it all when unticked.
 */
export function draftKeeper({ getState, vault: initialVault = null }) {
  let vault = initialVault;
  let timer = null;
  let saving = Promise.resolve();
  const box = h("input", { id: newId("keep-draft"), type: "checkbox", checked: Boolean(vault), "data-keep-draft": "" });
  const status = h("p", { class: "hint", role: "status", "data-draft-status": "" });
  const code = passphraseField("report.draft_passphrase", "report.draft_passphrase_short");
  const start = h("button", { type: "button", class: "button--small button--primary", ...tx("report.draft_start") });
  const cancel = h("button", { type: "button", class: "button--small", ...tx("report.draft_cancel") });
  const setup = h("div", { class: "notice notice--warn", hidden: true },
    h("p", { ...tx("report.draft_explain_1") }), h("p", { ...tx("report.draft_explain_2") }),
    h("p", { ...tx("report.draft_explain_3") }), code.node, h("div", { class: "button-row" }, start, cancel));
  const node = h("div", { class: "draft-keeper", "data-draft-keeper": "" },
    h("div", { class: "check" }, box, h("label", { for: box.id, ...tx("report.draft_keep") })),
    h("p", { class: "hint", ...tx("report.draft_keep_hint") }), setup, status);
  if (vault) status.textContent = t("report.draft_kept");

  async function saveNow() {
    clearTimeout(timer);
    if (!vault) return;
    const current = vault;
    saving = saving.then(async () => {
      if (vault !== current) return; // unticked meanwhile
      await current.save(getState());
      status.textContent = `${t("report.draft_kept")} ${t("report.draft_saved_at", { time: timeNow() })}`;
    }).catch((error) => {
      status.textContent = t("report.draft_failed", { error: error.message });
    });
    await saving;
  }

  function changed() {
    if (!vault) return;
    clearTimeout(timer);
    timer = setTimeout(saveNow, 800);
  }

  async function turnOff({ announce = true } = {}) {
    clearTimeout(timer);
    vault = null;
    await saving;
    await wipeKeptDraft();
    if (announce) status.textContent = t("report.draft_wiped");
  }

  box.addEventListener("change", async () => {
    if (box.checked) {
      setup.hidden = false;
      status.textContent = "";
      code.input.focus();
    } else {
      setup.hidden = true;
      code.input.value = "";
      if (vault) await turnOff();
    }
  });
  cancel.addEventListener("click", () => {
    setup.hidden = true;
    box.checked = false;
    code.input.value = "";
    code.error.textContent = "";
    box.focus();
  });
  const begin = async () => {
    const passphrase = code.input.value;
    if ([...passphrase.trim()].length < MIN_PASSPHRASE) {
      code.error.textContent = t("report.draft_passphrase_short");
      code.input.focus();
      return;
    }
    code.error.textContent = "";
    start.disabled = true;
    status.textContent = t("report.draft_preparing");
    try {
      vault = await DraftVault.create(passphrase);
      code.input.value = "";
      setup.hidden = true;
      await saveNow();
      box.focus();
    } catch (error) {
      vault = null;
      status.textContent = t("report.draft_failed", { error: error.message });
    } finally {
      start.disabled = false;
    }
  };
  start.addEventListener("click", begin);
  code.input.addEventListener("keydown", (e) => {
    if (e.key === "Enter") {
      e.preventDefault();
      begin();
    }
  });

  // the phone may kill a page in the background without warning: seal what is there first
  const onHide = () => document.visibilityState === "hidden" && saveNow();
  document.addEventListener("visibilitychange", onHide);
  window.addEventListener("pagehide", saveNow);

  return {
    node,
    changed,
    saveNow,
    /** After sending: the draft is gone, the box unticked, the listeners removed. */
    async finish() {
      document.removeEventListener("visibilitychange", onHide);
      window.removeEventListener("pagehide", saveNow);
      box.checked = false;
      await turnOff({ announce: false });
    },
  };
}

/** The panel shown instead of the form when a draft is kept: open it with the code, or erase it. */
export function draftUnlock(record, { onOpened, onDiscarded }) {
  const code = passphraseField("report.draft_code", null);
  const open = h("button", { type: "button", class: "button button--primary", ...tx("report.draft_unlock") });
  const discard = h("button", { type: "button", class: "button button--danger", ...tx("report.draft_discard") });
  const status = h("p", { class: "hint", role: "status" });
  const node = h("section", { class: "notice", "aria-labelledby": "draft-locked-title", "data-draft-locked": "" },
    h("h2", { id: "draft-locked-title", ...tx("report.draft_locked_title") }),
    h("p", { ...tx("report.draft_locked_text") }), code.node, h("div", { class: "button-row" }, open, discard), status);

  const tryOpen = async () => {
    if (!code.input.value) {
      code.input.focus();
      return;
    }
    open.disabled = true;
    code.error.textContent = "";
    status.textContent = t("report.draft_unlocking");
    try {
      const { vault, state } = await DraftVault.open(record, code.input.value);
      code.input.value = "";
      status.textContent = "";
      await onOpened({ vault, state });
    } catch (error) {
      status.textContent = "";
      code.error.textContent = error instanceof WrongPassphrase ? t("report.draft_wrong") : error.message;
      code.input.select();
    } finally {
      open.disabled = false;
    }
  };
  open.addEventListener("click", tryOpen);
  code.input.addEventListener("keydown", (e) => {
    if (e.key === "Enter") {
      e.preventDefault();
      tryOpen();
    }
  });
  discard.addEventListener("click", async () => {
    // eslint-disable-next-line no-alert -- a native confirm is accessible and cannot be missed
    if (!window.confirm(t("report.draft_discard_confirm"))) return;
    await wipeKeptDraft();
    await onDiscarded(record);
  });
  return { node, focus: () => code.input.focus() };
}
