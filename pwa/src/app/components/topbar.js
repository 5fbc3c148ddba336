import { h } from "../dom.js";
import { language, setLanguage, t } from "../i18n.js";
import { quickExit } from "../quick-exit.js";
import { go } from "../router.js";

export function topbar({ rerender }) {
  const other = language() === "fr" ? "en" : "fr";
  return h(
    "nav",
    { class: "topbar", "aria-label": t("nav.home") },
    h("a", { class: "topbar__title", href: "#/", text: t("nav.home"), "data-focus-key": "home" }),
    h(
      "div",
      { class: "topbar__actions" },
      h("button", { type: "button", class: "button--small", text: t("nav.faq"), "data-focus-key": "faq",
        on: { click: () => go("questions") } }),
      h("button", {
        type: "button", class: "button--small lang", lang: other, text: t("nav.language"), "data-focus-key": "lang",
        "aria-label": t("nav.language_label"),
        on: { click: () => (setLanguage(other), rerender()) },
      }),
      h("button", {
        type: "button", class: "button--small button--exit", text: t("nav.exit"), "aria-label": t("nav.exit_label"),
        on: { click: quickExit },
      }),
    ),
  );
}
