// "Mes envois": the cases still on this phone, with their delivery state, live.
import { listen } from "../../outbox/events.js";
import { forgetCase, listCases } from "../../outbox/store.js";
import { h } from "../dom.js";
import { formatDate, t } from "../i18n.js";

export async function outboxScreen({ rerender }) {
  const list = h("ul", { class: "files" });
  const sending = new Set(); // cases with an upload in progress, from delivery events

  async function render() {
    const cases = await listCases();
    if (!cases.length) {
      list.replaceChildren(h("li", { text: t("outbox.empty") }));
      return;
    }
    list.replaceChildren(...cases.map((c) => {
      const state = c.state === "queued" ? (sending.has(c.caseId) ? "sending" : "waiting") : c.state;
      return h("li", { class: "file", "data-case": c.caseId, "data-state": state },
        h("p", { class: "file__name", text: t("outbox.case", { date: formatDate(c.createdAt) }) }),
        h("p", { class: `state state--${state}`, text: t(`sent.state_${state}`) }),
        h("div", { class: "button-row" },
          h("a", { class: "button button--small", href: `#/envoi/${c.caseId}`, text: t("outbox.open") }),
          h("button", { type: "button", class: "button--small button--danger", text: t("outbox.forget"),
            on: { click: async () => {
              if (!window.confirm(t("outbox.forget_confirm"))) return;
              await forgetCase(c.caseId);
              rerender();
            } } })));
    }));
  }

  const stop = listen((message) => {
    if (!list.isConnected && list.dataset.shown) {
      stop(); // the citizen left this screen
      return;
    }
    if (message.type === "progress") {
      if (sending.has(message.caseId)) return; // redraw on changes of state, not on every chunk
      sending.add(message.caseId);
    }
    if (message.type === "case" || message.type === "offline") sending.delete(message.caseId);
    render();
  });
  await render();
  list.dataset.shown = "1";
  return [h("h1", { text: t("outbox.title") }), list];
}
