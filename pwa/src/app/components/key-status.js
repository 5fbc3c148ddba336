// What the citizen must know about the police key: verified (with its fingerprint), or not,
// in which case nothing is encrypted and sending is impossible.
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { policeKey } from "../police-key.js";

export function keyNotice() {
  const key = policeKey();
  if (key.status === "ok" && key.offline && key.expiresSoon) {
    // still usable, but it expires within days and the app could not fetch the next one
    return h(
      "div",
      { class: "notice notice--warn", role: "status", "data-key-status": "expiring" },
      h("h2", { text: t("key.expiring_title") }),
      h("p", { text: t("key.expiring_text") }),
    );
  }
  if (key.status === "ok" || key.status === "checking") return null;
  const [title, text, cls] = {
    invalid: ["key.invalid_title", "key.invalid_text", "notice--danger"],
    offline: ["key.offline_title", "key.offline_text", "notice--warn"],
    expired: ["key.expired_title", "key.expired_text", "notice--warn"],
  }[key.status];
  return h(
    "div",
    { class: `notice ${cls}`, role: "alert", "data-key-status": key.status },
    h("h2", { text: t(title) }),
    h("p", { text: t(text) }),
  );
}

export function fingerprintBlock() {
  const key = policeKey();
  if (key.status !== "ok") return null;
  const primary = key.bundle.fingerprints.filter((f) => f.role === "primary");
  return h(
    "details",
    { class: "notice" },
    h("summary", { text: t("key.fingerprint") }),
    h("p", { class: "hint", text: t("key.fingerprint_help") }),
    ...primary.map((f) => h("p", { class: "fingerprint", "data-fingerprint": "", text: f.fingerprint })),
  );
}
