// The coach's live checklist, precision meter and gentle flags. It advises; it never blocks.
// The panel folds into a bar at the bottom of the form; advice about a danger now ("arme",
// "menacé") is shown outside it, always visible, because it cannot wait for a tap.
import { h } from "../dom.js";
import { t, tx } from "../i18n.js";

const ICON_CLASS = { present: "ok", partial: "partial", missing: "missing" };

function flagNode(f) {
  return h("div", { class: `flag flag--${f.kind}`, "data-flag": f.kind },
    h("strong", { text: `« ${f.phrase} » ` }), t(`coach.${f.messageKey}`), " ",
    f.suggestionKey ? t(`coach.${f.suggestionKey}`) : "");
}

export function coachPanel() {
  const meter = h("span", { class: "coach__meter", "aria-hidden": "true" });
  const levelText = h("span", {});
  const adviceCount = h("span", { class: "coach__count" });
  // announces level changes only; outside the <details>, whose folded content is not spoken
  const live = h("span", { class: "visually-hidden", role: "status" });
  const checks = h("ul", {});
  const flags = h("div", {});
  const urgentFlags = h("div", { "aria-live": "polite" });
  const urgent = h("div", { "data-coach-urgent": "" }, live, urgentFlags);
  const panel = h(
    "details",
    { class: "coach", "data-coach": "" },
    h("summary", { class: "coach__summary" }, h("span", tx("report.coach_title")), meter, levelText,
      adviceCount),
    checks,
    flags,
  );
  let lastLevel = null;
  let lastUrgent = "";

  function render(result) {
    meter.replaceChildren(...[0, 1, 2].map((i) => h("span", { class: i < result.level ? "on" : "" })));
    levelText.textContent = t(`coach.${result.levelKey}`);
    const advice = result.flags.filter((f) => f.kind !== "urgent").length;
    adviceCount.textContent = advice ? t("report.coach_advice", { n: advice }) : "";
    panel.dataset.level = result.level;
    if (lastLevel !== null && lastLevel !== result.level) live.textContent = levelText.textContent;
    lastLevel = result.level;
    checks.replaceChildren(...result.checks.map((c) => h("li", { class: ICON_CLASS[c.status], "data-check": c.id,
      "data-status": c.status }, t(`coach.${c.messageKey}`),
      c.status !== "present" && c.hintKey ? h("span", { class: "hint", text: ` ${t(`coach.${c.hintKey}`)}` }) : null)));
    flags.replaceChildren(...result.flags.filter((f) => f.kind !== "urgent").map(flagNode));
    // redrawn only when it changes, so a screen reader hears it once, not at every key
    const dangers = result.flags.filter((f) => f.kind === "urgent");
    const signature = `${document.documentElement.lang}:${dangers.map((f) => f.phrase).join("|")}`;
    if (signature !== lastUrgent) urgentFlags.replaceChildren(...dangers.map(flagNode));
    lastUrgent = signature;
  }

  return { node: panel, urgent, render };
}
