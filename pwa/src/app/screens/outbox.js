// "Mes envois": the cases still on this phone, with their delivery state.
import { forgetCase, listCases } from "../../outbox/store.js";
import { h } from "../dom.js";
import { formatDate, t } from "../i18n.js";

export async function outboxScreen({ rerender }) {
  const cases = await listCases();
  if (!cases.length) return [h("h1", { text: t("outbox.title") }), h("p", { text: t("outbox.empty") })];
  return [
    h("h1", { text: t("outbox.title") }),
    h("ul", { class: "files" }, ...cases.map((c) => h("li", { class: "file", "data-case": c.caseId },
      h("p", { class: "file__name", text: t("outbox.case", { date: formatDate(c.createdAt) }) }),
      h("p", { class: `state state--${c.state === "queued" ? "waiting" : c.state}`,
        text: t(`sent.state_${c.state === "queued" ? "waiting" : c.state}`) }),
      h("div", { class: "button-row" },
        h("a", { class: "button button--small", href: `#/envoi/${c.caseId}`, text: t("outbox.open") }),
        h("button", { type: "button", class: "button--small button--danger", text: t("outbox.forget"),
          on: { click: async () => {
            if (!window.confirm(t("outbox.forget_confirm"))) return;
            await forgetCase(c.caseId);
            rerender();
          } } }))))),
  ];
}
