// The level shown to the citizen, from the checklist: what a patrol or an investigator can act
// on. A findable place plus two more concrete facts (a time, a rhythm, a description, a
// vehicle, a plate, something seen) is "very precise"; impressions and hearsay alone never
// rise above "not very precise".

const WEIGHTS = { place: 3, time: 1.5, frequency: 1.5, people: 1.5, vehicles: 1, plate: 1, evidence: 1.5, risks: 0.5 };
const VALUE = { present: 1, partial: 0.35, missing: 0 };
const FACTS = ["time", "frequency", "people", "vehicles", "plate", "evidence"];
export const LEVEL_KEYS = ["level_0", "level_1", "level_2", "level_3"];

/** { level: 0..3, score } where score (0..12) orders reports finer than the level does. */
export function levelOf(checks, flags) {
  const status = Object.fromEntries(checks.map((c) => [c.id, c.status]));
  const raw = checks.reduce((sum, c) => sum + (WEIGHTS[c.id] ?? 0) * VALUE[c.status], 0);
  const facts = FACTS.filter((id) => status[id] === "present").length;
  const doubts = flags.filter((f) => ["vague", "hearsay", "generalisation"].includes(f.kind)).length;
  const place = status.place;
  let level = raw >= 0.5 ? 1 : 0;
  if ((place === "present" && facts >= 1) || (place === "partial" && facts >= 2) || facts >= 3) level = 2;
  if (place === "present" && facts >= 2) level = 3;
  if (doubts && facts === 0) level = Math.min(level, 1); // impressions only
  const score = Math.max(0, raw + (place === "present" ? facts : facts / 2) - Math.min(doubts, 2) * 0.5);
  return { level, score: Math.round(score * 100) / 100 };
}
