// The coach's live checklist, precision meter and gentle flags. It advises; it never blocks.
// The panel folds into a bar at the bottom of the form. Danger-now advice is not here: it is
// shown at once at the top of the form and beside the field concerned (danger.js).
import { h } from "../dom.js";
import { t, tx } from "../i18n.js";

const ICON_CLASS = { present: "ok", partial: "partial", missing: "missing" };

export function flagNode(f) {
  return h("div", { class: `flag flag--${f.kind}`, "data-flag": f.kind },
    h("strong", { text: `« ${f.phrase} » ` }), t(`coach.${f.messageKey}`), " ",
    f.suggestionKey ? t(`coach.${f.suggestionKey}`) : "");
}

/** One checklist line: the item, and for what is not there, one short line saying what to add. */
export function checkNode(c) {
  return h("li", { class: ICON_CLASS[c.status], "data-check": c.id, "data-status": c.status },
    h("span", { text: t(`coach.${c.messageKey}`) }),
    h("span", { class: "visually-hidden", text: ` (${t(`report.check_${c.status}`)})` }),
    c.status !== "present" && c.hintKey ? h("span", { class: "hint", text: ` ${t(`coach.${c.hintKey}`)}` }) : null);
}

export function coachPanel() {
  const meter = h("span", { class: "coach__meter", "aria-hidden": "true" });
  const levelText = h("span", {});
  const adviceCount = h("span", { class: "coach__count" });
  // announces level changes only; outside the <details>, whose folded content is not spoken
  const live = h("span", { class: "visually-hidden", role: "status" });
  const checks = h("ul", {});
  const flags = h("div", {});
  const panel = h(
    "details",
    { class: "coach", "data-coach": "" },
    h("summary", { class: "coach__summary" }, h("span", tx("report.coach_title")), meter, levelText,
      adviceCount),
    checks,
    flags,
  );
  let lastLevel = null;

  function render(result) {
    meter.replaceChildren(...[0, 1, 2].map((i) => h("span", { class: i < result.level ? "on" : "" })));
    levelText.textContent = t(`coach.${result.levelKey}`);
    adviceCount.textContent = result.flags.length ? t("report.coach_advice", { n: result.flags.length }) : "";
    panel.dataset.level = result.level;
    if (lastLevel !== null && lastLevel !== result.level) live.textContent = levelText.textContent;
    lastLevel = result.level;
    checks.replaceChildren(...result.checks.map(checkNode));
    flags.replaceChildren(...result.flags.map(flagNode));
  }

  return { node: panel, live, render };
}
