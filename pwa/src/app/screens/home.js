import { listCases } from "../../outbox/store.js";
import { fingerprintBlock, keyNotice } from "../components/key-status.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { checkKeptReceipts, unreadConversations } from "../mailbox/unread.js";
import { go } from "../router.js";

/** A conversation with replies not read yet: counts only, never their words. */
function unreadNotice(record) {
  return h("div", { class: "notice notice--warn", "data-unread": record.caseId },
    h("p", { class: "state", text: t("home.unread", { count: record.unread }) }),
    h("a", { class: "button button--primary", href: `#/conversation/${record.caseId}`, text: t("home.unread_open") }));
}

/** @param {{rerender?: () => void}} [options] */
export async function homeScreen({ rerender } = {}) {
  const cases = await listCases();
  const unread = await unreadConversations();
  checkKeptReceipts(() => rerender?.()).catch(() => {});
  const useful = ["place", "time", "people", "vehicles", "evidence", "risks"];
  return [
    h("h1", { text: t("home.title") }),
    keyNotice(),
    h("p", { text: t("home.intro") }),
    h("button", {
      type: "button", class: "button button--primary button--big", text: t("home.start"),
      on: { click: () => go("signaler") },
    }),
    ...unread.map(unreadNotice),
    h("p", { class: "notice notice--warn", text: t("home.not_urgent") }),
    h("a", { class: "button button--big", href: "#/recu", "data-have-receipt": "", "aria-describedby": "have-receipt-hint",
      text: t("home.have_receipt") }),
    h("p", { id: "have-receipt-hint", class: "hint", text: t("home.have_receipt_hint") }),
    cases.length
      ? h("p", {}, h("a", { class: "button", href: "#/envois", text: t("home.outbox", { count: cases.length }) }))
      : null,
    h("h2", { text: t("home.useful_title") }),
    h("ul", {}, ...useful.map((k) => h("li", { text: t(`home.useful_${k}`) }))),
    h("p", { class: "hint", text: t("home.useful_vague") }),
    h("h2", { text: t("home.anonymity_title") }),
    h("p", { text: t("home.anonymity_text") }),
    h("p", {}, h("a", { href: "#/anonymat", text: t("home.anonymity_more") })),
    h("p", {}, h("a", { href: "#/questions", text: t("home.faq") })),
    fingerprintBlock(),
  ];
}
