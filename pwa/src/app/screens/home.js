import { listCases } from "../../outbox/store.js";
import { fingerprintBlock, keyNotice } from "../components/key-status.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { go } from "../router.js";

export async function homeScreen() {
  const cases = await listCases();
  const useful = ["place", "time", "people", "vehicles", "evidence", "risks"];
  return [
    h("h1", { text: t("home.title") }),
    keyNotice(),
    h("p", { text: t("home.intro") }),
    h("button", {
      type: "button", class: "button button--primary button--big", text: t("home.start"),
      on: { click: () => go("signaler") },
    }),
    h("p", { class: "notice notice--warn", text: t("home.not_urgent") }),
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
