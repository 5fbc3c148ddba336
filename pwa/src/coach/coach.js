// The report coach: on the phone only (the server cannot read the report), it reads the draft
// as it is typed and says what makes it useful to the police, following the article's table
// (place, time, people, vehicles, evidence). It advises and never blocks sending.
//
// assessReport(draft, { attachmentsCount }) → {
//   checks: [{ id, status: "present" | "partial" | "missing", messageKey, hintKey }],
//   flags:  [{ field, kind: "vague" | "stereotype" | "urgent" | "self", phrase, messageKey, suggestionKey }],
//   level: 0..3, levelKey, missing: [check ids] }
// Keys are looked up as "coach.<key>" in COACH_MESSAGES (registered by main.js).
import { RULES } from "./rules.js";

export { COACH_MESSAGES } from "./messages.js";

/** Lower case, typographic apostrophes and dashes unified, accents dropped, one char per char. */
export function normalise(text) {
  let out = "";
  for (const ch of String(text ?? "")) {
    const lower = ch.toLowerCase();
    let base = lower.normalize("NFD")[0] ?? lower;
    if (base === "’" || base === "ʼ" || base === "`" || base === "´") base = "'";
    if (base === "‑" || base === "–" || base === "—") base = "-";
    // keep positions aligned with the original (astral characters count as two code units)
    out += ch.length === 2 ? `${base}\u0000`.slice(0, 2) : base[0];
  }
  return out;
}

const filled = (v) => typeof v === "string" && v.trim().length > 0;
const words = (v) => (filled(v) ? v.trim().split(/\s+/u).length : 0);

// --- the checklist ---------------------------------------------------------------------------

// Concrete landmarks a patrol can find: street words, numbers, entrances, sides.
const PLACE_CONCRETE = /(?<![\p{L}\p{N}])(rue|avenue|av|bd|boulevard|place|allee|chemin|impasse|quai|route|square|parc|parking|cours|passage|residence|batiment|bat|entree|hall|cage|escalier|porte|tour|immeuble|arret|gare|station|ecole|college|lycee|stade|pharmacie|boulangerie|tabac|supermarche|angle|coin de|devant|derriere|en face|a cote|cote|n°|numero|pres de la|pres du)(?![\p{L}])|\d/u;
// A place that only names a district ("dans le quartier", "à la cité") is not enough.
const PLACE_VAGUE = /(?<![\p{L}])(quartier|cite|dans le coin|par ici|partout|chez moi|en ville|le secteur)(?![\p{L}])/u;
// A time of day: 18h, 18 h 30, 18:00, 6 pm, "à midi", "minuit".
const HOUR = /(?<![\p{N}])([01]?\d|2[0-3])\s*(h|:|heures?)\s*([0-5]\d)?(?![\p{N}])|(?<![\p{L}])(midi|minuit)(?![\p{L}])|\d{1,2}\s*(am|pm)(?![\p{L}])/u;
// Frequency with a shape: days, "tous les", "chaque", "le week-end".
const RHYTHM = /(?<![\p{L}])(tous les|toutes les|chaque|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|week-end|weekend|la nuit|le soir|le matin|l'apres-midi|en semaine|fois par)(?![\p{L}])/u;

function checkPlace(draft) {
  const text = draft.place?.text ?? "";
  const n = normalise(text);
  if (draft.place?.position) return filled(text) ? "present" : "partial";
  if (!filled(text)) return "missing";
  if (PLACE_CONCRETE.test(n) && words(text) >= 3) return "present";
  if (PLACE_VAGUE.test(n) || words(text) < 3) return "partial";
  return words(text) >= 5 ? "present" : "partial";
}

function checkTime(draft) {
  const seen = draft.when?.seen_at;
  const frequency = normalise(draft.when?.frequency ?? "");
  if (filled(seen)) return "present";
  if (HOUR.test(frequency) && (RHYTHM.test(frequency) || /\d/.test(frequency))) return "present";
  if (filled(frequency)) return "partial";
  return "missing";
}

function checkPeople(draft) {
  let best = 0;
  for (const person of draft.people ?? []) {
    if (!person) continue;
    const count = ["clothing", "height", "signs", "role"].filter((k) => filled(person[k])).length;
    best = Math.max(best, count);
  }
  if (best >= 2) return "present";
  return best === 1 ? "partial" : "missing";
}

// A plate, even partial: at least two letters or digits once the unknown ones (?, *, x, _) are set aside.
export function plateInfo(plate) {
  const raw = String(plate ?? "").toUpperCase();
  const known = raw.replace(/[^A-Z0-9]/g, "");
  return { known: known.length, partial: /[?*_]/.test(raw) || known.length < 7 };
}

function checkVehicles(draft) {
  let status = "missing";
  for (const vehicle of draft.vehicles ?? []) {
    if (!vehicle) continue;
    if (plateInfo(vehicle.plate).known >= 2) return "present";
    const described = ["type", "colour", "make"].filter((k) => filled(vehicle[k])).length;
    if (described >= 2) status = "present";
    else if (described === 1 && status === "missing") status = "partial";
  }
  return status;
}

const CHECKS = [
  { id: "place", weight: 2, test: checkPlace },
  { id: "time", weight: 2, test: checkTime },
  { id: "person", weight: 2, test: checkPeople },
  { id: "vehicle", weight: 1, test: checkVehicles },
  { id: "evidence", weight: 1, test: (_draft, { attachmentsCount }) => (attachmentsCount > 0 ? "present" : "missing") },
];

// --- the flags -------------------------------------------------------------------------------

/** Every text the citizen typed, with the name of its field. */
function texts(draft) {
  const out = [];
  const push = (field, value) => filled(value) && out.push({ field, value });
  push("place.text", draft.place?.text);
  push("when.frequency", draft.when?.frequency);
  (draft.people ?? []).forEach((p, i) => p && ["clothing", "height", "signs", "role"].forEach((k) =>
    push(`people.${i}.${k}`, p[k])));
  (draft.vehicles ?? []).forEach((v, i) => v && ["type", "colour", "make"].forEach((k) => push(`vehicles.${i}.${k}`, v[k])));
  push("risks.details", draft.risks?.details);
  push("details", draft.details);
  return out;
}

export function findFlags(draft) {
  const flags = [];
  const seen = new Set();
  for (const { field, value } of texts(draft)) {
    const n = normalise(value);
    const lower = value.toLowerCase().length === value.length ? value.toLowerCase() : n;
    const found = [];
    const spans = []; // a phrase already flagged (e.g. "groupes suspects") is not flagged again in part ("suspects")
    for (const rule of RULES) {
      if (rule.fields && !rule.fields.some((f) => field === f || field.endsWith(`.${f}`))) continue;
      for (const match of (rule.raw ? lower : n).matchAll(rule.pattern)) {
        const start = match.index;
        const end = start + match[0].length;
        if (spans.some(([s, e]) => start < e && s < end)) continue;
        spans.push([start, end]);
        const phrase = value.slice(start, end);
        const key = `${rule.kind}:${rule.messageKey}:${normalise(phrase)}`;
        if (seen.has(key)) continue;
        seen.add(key);
        found.push({ start, flag: { field, kind: rule.kind, phrase, messageKey: rule.messageKey, suggestionKey: rule.suggestionKey } });
      }
    }
    flags.push(...found.sort((a, b) => a.start - b.start).map((f) => f.flag)); // in reading order
  }
  // The urgent ones first: someone may be in danger now.
  const order = { urgent: 0, self: 1, stereotype: 2, vague: 3 };
  return flags.sort((a, b) => order[a.kind] - order[b.kind]);
}

// --- the whole assessment --------------------------------------------------------------------

const LEVEL_KEYS = ["level_0", "level_1", "level_2", "level_3"];

export function assessReport(draft, { attachmentsCount = 0 } = {}) {
  const checks = CHECKS.map(({ id, test }) => {
    const status = test(draft ?? {}, { attachmentsCount });
    return { id, status, messageKey: `check_${id}`, hintKey: status === "present" ? null : `hint_${id}_${status}` };
  });
  const flags = findFlags(draft ?? {});
  const score = CHECKS.reduce((sum, { weight }, i) =>
    sum + weight * { present: 1, partial: 0.5, missing: 0 }[checks[i].status], 0);
  const byId = Object.fromEntries(checks.map((c) => [c.id, c.status]));
  const vague = flags.filter((f) => f.kind === "vague").length;
  let level = 0;
  if (score >= 1) level = 1;
  if (score >= 4 && byId.place !== "missing") level = 2;
  if (score >= 6 && byId.place === "present" && byId.time === "present" && vague === 0) level = 3;
  return {
    checks,
    flags,
    level,
    levelKey: LEVEL_KEYS[level],
    missing: checks.filter((c) => c.status === "missing").map((c) => c.id),
  };
}
