// "Mes envois": the cases still on this phone, with their delivery state, live: what waits
// and why, and which need the citizen's choice (a file refused by the server).
import { listen } from "../../outbox/events.js";
import { caseView } from "../../outbox/status.js";
import { forgetCase, itemsOf, listCases } from "../../outbox/store.js";
import { forgetReport } from "../delivery.js";
import { h } from "../dom.js";
import { formatDate, t } from "../i18n.js";
import { caseStateText } from "./sent.js";

export async function outboxScreen({ rerender }) {
  const list = h("ul", { class: "files" });
  const sending = new Set(); // items with bytes moving, from delivery events

  async function render() {
    const cases = await listCases();
    if (!cases.length) {
      list.replaceChildren(h("li", { text: t("outbox.empty") }));
      return;
    }
    const rows = [];
    for (const c of cases) {
      const view = caseView(c, await itemsOf(c.caseId), { sendingItems: sending });
      const row = { class: "file", "data-case": c.caseId, "data-state": view.state, "data-wait": view.wait ?? "" };
      rows.push(h("li", row,
        h("p", { class: "file__name", text: t(c.conversation ? "outbox.case_messages" : "outbox.case",
          { date: formatDate(c.createdAt) }) }),
        h("p", { class: `state state--${view.state === "choice" ? "failed" : view.state}`, text: caseStateText(view) }),
        h("div", { class: "button-row" },
          h("a", { class: "button button--small", href: `#/envoi/${c.caseId}`, text: t("outbox.open") }),
          h("button", { type: "button", class: "button--small button--danger", text: t("outbox.forget"),
            on: { click: async () => {
              // eslint-disable-next-line no-alert -- a native confirm is accessible and cannot be missed
              if (!window.confirm(t("outbox.forget_confirm"))) return;
              await forgetCase(c.caseId);
              forgetReport(c.caseId);
              rerender();
            } } }))));
    }
    list.replaceChildren(...rows);
  }

  const stop = listen((message) => {
    if (!list.isConnected && list.dataset.shown) {
      stop(); // the citizen left this screen
      return;
    }
    if (message.type === "progress") {
      if (sending.has(message.itemId)) return; // redraw on changes of state, not on every piece
      sending.add(message.itemId);
    }
    if (message.type === "waiting" || message.type === "item") sending.delete(message.itemId);
    if (message.type === "case") for (const id of [...sending]) sending.delete(id);
    render();
  });
  await render();
  list.dataset.shown = "1";
  return [h("h1", { text: t("outbox.title") }), list];
}
