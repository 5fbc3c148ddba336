// The coach's live checklist, precision meter and gentle flags. It advises; it never blocks.
import { h } from "../dom.js";
import { t } from "../i18n.js";

const ICON_CLASS = { present: "ok", partial: "partial", missing: "missing" };

export function coachPanel() {
  const meter = h("span", { class: "coach__meter", "aria-hidden": "true" });
  const levelText = h("span", {});
  const live = h("span", { class: "visually-hidden", role: "status" }); // announces level changes only
  const checks = h("ul", {});
  const flags = h("div", {});
  const node = h(
    "details",
    { class: "coach", "data-coach": "" },
    h("summary", { class: "coach__summary" }, h("span", { text: t("report.coach_title") }), meter, levelText),
    live,
    checks,
    flags,
  );
  let lastLevel = null;

  function render(result) {
    meter.replaceChildren(...[0, 1, 2].map((i) => h("span", { class: i < result.level ? "on" : "" })));
    levelText.textContent = t(`coach.${result.levelKey}`);
    node.dataset.level = result.level;
    if (lastLevel !== null && lastLevel !== result.level) live.textContent = levelText.textContent;
    lastLevel = result.level;
    checks.replaceChildren(...result.checks.map((c) => h("li", { class: ICON_CLASS[c.status], "data-check": c.id,
      "data-status": c.status }, t(`coach.${c.messageKey}`),
      c.status !== "present" && c.hintKey ? h("span", { class: "hint", text: ` ${t(`coach.${c.hintKey}`)}` }) : null)));
    flags.replaceChildren(...result.flags.map((f) => h("div", { class: `flag flag--${f.kind}`, "data-flag": f.kind },
      h("strong", { text: `« ${f.phrase} » ` }), t(`coach.${f.messageKey}`), " ",
      f.suggestionKey ? t(`coach.${f.suggestionKey}`) : "")));
  }

  return { node, render };
}
