// Danger now: a threat to the witness, a weapon, children at risk, a dangerous animal, violence,
// syringes, or a risk box ticked. The form is not read in real time, so the app says at once,
// at the top of the form and next to the field concerned: call 17 or 112, do not put yourself
// in danger. Reported or not, first-hand or not: this advice never waits for certainty.
import { DANGER } from "./elements.js";

const BOXES = { "risks.children": "children", "risks.weapons": "weapon", "risks.threats": "threat" };

/** { active, triggers: [{ field, kind, phrase }] }, triggers in reading order. */
export function dangerNow(draft, analysis) {
  const triggers = [];
  for (const [field, kind] of Object.entries(BOXES)) {
    const key = field.split(".")[1];
    if (draft?.risks?.[key] === true) triggers.push({ field, kind, phrase: "" });
  }
  for (const f of analysis.findings) {
    if (DANGER.includes(f.cat)) triggers.push({ field: f.field, kind: f.cat, phrase: f.phrase });
  }
  return { active: triggers.length > 0, triggers };
}
