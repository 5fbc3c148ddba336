// The report coach: on the phone only (the server cannot read the report), it reads everything
// the citizen typed, in structured fields and free text alike, and says what makes the report
// useful to the police, following the article's table (place, time and frequency, people,
// vehicles and plates, evidence, risks). It advises and never blocks sending; it sends nothing
// anywhere (its verdict travels only inside the encrypted report, verdict.js).
//
// assessReport(draft, { attachmentsCount }) → {
//   checks:  [{ id, status: "present" | "partial" | "missing", messageKey, hintKey }],
//   flags:   [{ field, kind: "vague" | "hearsay" | "generalisation" | "stereotype" | "self", phrase,
//              messageKey, suggestionKey }],
//   danger:  { active, triggers: [{ field, kind, phrase }] },
//   level: 0..3, levelKey, score, missing: [ids], partial: [ids], languages: ["fr", …] }
// Keys are looked up as "coach.<key>" in COACH_MESSAGES (registered by main.js).
import { analyse, lexiconFor } from "./analyse.js";
import { dangerNow } from "./danger.js";
import { checkElements, firstHand } from "./elements.js";
import { findFlags } from "./flags.js";
import { LEVEL_KEYS, levelOf } from "./level.js";

export { COACH_MESSAGES } from "./messages.js";
export { CHECK_IDS } from "./elements.js";

/** Compile the lexicons ahead of the first keystroke (a moment of work better done while idle). */
export function warmUpCoach(languages = ["fr", "en"]) {
  for (const lang of languages) lexiconFor(lang);
}

function hintKey(check) {
  if (check.status === "present") return null;
  if (check.id === "place" && check.status === "partial") return `hint_place_partial_${check.reason}`;
  return `hint_${check.id}_${check.status}`;
}

export function assessReport(draft, { attachmentsCount = 0 } = {}) {
  const d = draft ?? {};
  const analysis = analyse(d);
  const checks = checkElements(d, analysis, { attachmentsCount }).map((c) =>
    ({ id: c.id, status: c.status, messageKey: `check_${c.id}`, hintKey: hintKey(c) }));
  const flags = findFlags(analysis);
  const danger = dangerNow(d, analysis);
  // the level counts what the citizen saw, not what they were told or suppose
  const seen = checkElements(d, analysis, { attachmentsCount, findings: firstHand(analysis.findings) });
  const { level, score } = levelOf(seen, flags);
  return {
    checks,
    flags,
    danger,
    level,
    levelKey: LEVEL_KEYS[level],
    score,
    missing: checks.filter((c) => c.status === "missing").map((c) => c.id),
    partial: checks.filter((c) => c.status === "partial").map((c) => c.id),
    languages: analysis.languages,
  };
}

/**
 * Nothing to send: no word written (contact details aside), no position, no file. Ticked boxes
 * alone do not say where or what. Punctuation and spaces are not words.
 */
export function isEmptyReport(draft, { attachmentsCount = 0 } = {}) {
  if (attachmentsCount > 0 || draft?.place?.position) return false;
  const { contact, risks, ...rest } = draft ?? {};
  const words = (value) => (typeof value === "string" ? /[\p{L}\p{N}]/u.test(value)
    : Array.isArray(value) ? value.some(words)
      : value && typeof value === "object" ? Object.values(value).some(words) : false);
  return !words(rest) && !words(risks?.details ?? "");
}
