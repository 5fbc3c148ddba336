// The FAQ and the page on anonymity: static text from the catalogs.
import { h } from "../dom.js";
import { t } from "../i18n.js";

const QUESTIONS = ["who", "danger", "useful", "anonymous", "photo", "offline", "receipt"];

export function faqScreen() {
  return [
    h("h1", { text: t("faq.title") }),
    h("dl", { class: "faq" }, ...QUESTIONS.flatMap((q) => [
      h("dt", { text: t(`faq.${q}_q`) }),
      h("dd", { text: t(`faq.${q}_a`) }),
    ])),
  ];
}

export function anonymityScreen() {
  return [
    h("h1", { text: t("anonymity.title") }),
    ...["p1", "p2", "p3", "p4", "p5"].map((p) => h("p", { text: t(`anonymity.${p}`) })),
  ];
}
