// One analysis of everything the citizen typed: every text field of the draft, structured or
// free, is prepared (text.js), its language detected (language.js), and searched for every
// category of that language's lexicon and for number plates. The result is a flat list of
// findings the checklist, the danger advice and the flags are computed from.
import { compileLexicon, textMatcher } from "./lexicon.js";
import { detectLanguage } from "./language.js";
import en from "./lexicon/en.js";
import fr from "./lexicon/fr.js";
import shared from "./lexicon/shared.js";
import { findPlates, plateField } from "./plates.js";
import { prepare, sentences } from "./text.js";

export const LEXICONS = { fr, en };
const compiled = new Map();

/** A language's compiled lexicon (compiled on first use, about 60 ms on a laptop). */
export function lexiconFor(lang) {
  if (!compiled.has(lang)) compiled.set(lang, compileLexicon({ ...LEXICONS[lang], shared }));
  return compiled.get(lang);
}

// The categories the rules read (helper categories such as {street_type} are only referred to).
export const CATEGORIES = [
  "street_name", "address", "building_id", "estate", "landmark_named", "shop_brand", "crossing", "place_generic",
  "clock", "date", "day", "part_of_day", "time_vague", "recurrence", "frequency_vague",
  "person", "clothing", "height", "build", "hair", "face", "marks", "age", "gait", "accessory", "voice", "nickname",
  "brand", "vehicle", "vehicle_make", "vehicle_model", "vehicle_model_number", "vehicle_feature", "colour",
  "plate_word", "plate_partial", "recording", "drug", "packaging", "cash", "scale", "stash", "exchange",
  "drug_generic", "evidence_claim", "smell", "children", "weapon", "threat", "violence", "animal", "syringes",
  "danger_vague", "speculation", "judgement", "hearsay", "generalisation", "origin_people", "self",
];

const PEOPLE_KEYS = ["clothing", "height", "signs", "role"];
const VEHICLE_KEYS = ["type", "colour", "make", "plate"];
const filled = (v) => typeof v === "string" && v.trim().length > 0;

/** Every text of the draft with the name of its field (contact details are not analysed). */
export function textFields(draft) {
  const out = [];
  const push = (field, value) => filled(value) && out.push({ field, value });
  push("place.text", draft.place?.text);
  push("when.frequency", draft.when?.frequency);
  (draft.people ?? []).forEach((p, i) => p && PEOPLE_KEYS.forEach((k) => push(`people.${i}.${k}`, p[k])));
  (draft.vehicles ?? []).forEach((v, i) => v && VEHICLE_KEYS.forEach((k) => push(`vehicles.${i}.${k}`, v[k])));
  push("risks.details", draft.risks?.details);
  push("details", draft.details);
  return out;
}

/**
 * The languages to read each text in: its own when it can be told; otherwise the language of
 * the rest of the draft; and when nothing in the draft tells (a few words: "weird noises",
 * "1m80, casquette"), both, since the interface's language says little about the writer's.
 */
function languages(fields) {
  const detected = fields.map((f) => detectLanguage(f.value, LEXICONS));
  const weight = {};
  detected.forEach((lang, i) => {
    if (lang) weight[lang] = (weight[lang] ?? 0) + fields[i].value.length;
  });
  const ranked = Object.entries(weight).sort((a, b) => b[1] - a[1]);
  const draftLang = ranked[0]?.[0];
  return detected.map((lang) => ((lang ?? draftLang) ? [lang ?? draftLang] : Object.keys(LEXICONS)));
}

export function analyse(draft) {
  const fields = textFields(draft ?? {});
  const langs = languages(fields);
  const findings = [];
  const once = new Set(); // read in two languages, a text keeps each finding once
  const texts = fields.map(({ field, value }, i) => {
    let unknown = false;
    langs[i].forEach((lang, n) => {
      const lex = lexiconFor(lang);
      const prepared = prepare(value, lex);
      const sentenceOf = sentences(prepared.norm);
      const matcher = textMatcher(lex, prepared.norm);
      const own = [];
      for (const cat of CATEGORIES) {
        for (const m of matcher.find(cat)) {
          const start = prepared.start[m.start];
          const end = prepared.end[m.end - 1];
          const key = `${field}|${cat}|${start}`;
          if (once.has(key)) continue;
          once.add(key);
          own.push({ cat, field, lang, start, end, phrase: value.slice(start, end), sentence: `${field}#${sentenceOf(m.start)}`,
            norm: prepared.norm.slice(m.start, m.end) });
        }
      }
      findings.push(...own);
      if (n === 0) findings.push(...plateFindings(field, value, prepared, sentenceOf, own, lang));
      unknown ||= lex.unknown.has(prepared.norm.trim());
    });
    return { field, value, languages: langs[i], unknown };
  });
  return { texts, findings, languages: [...new Set(langs.flat())] };
}

/** Plates in a text; a plate field reads its whole value as a plate. */
function plateFindings(field, value, prepared, sentenceOf, own, lang) {
  const base = { cat: "plate", field, lang };
  if (/^vehicles\.\d+\.plate$/.test(field)) {
    const plate = plateField(value);
    return plate ? [{ ...base, cat: plate.full ? "plate" : "plate_part", start: 0, end: value.length, phrase: value,
      sentence: `${field}#0` }] : [];
  }
  // lower-case or spaced groups count as a plate only where the text speaks of a plate or a vehicle
  const context = own.some((f) => ["plate_word", "vehicle", "vehicle_make", "vehicle_model", "vehicle_model_number"]
    .includes(f.cat));
  return findPlates(value, { context }).map((p) => {
    const at = Math.max(0, prepared.start.findIndex((s) => s >= p.start));
    return { ...base, cat: p.full ? "plate" : "plate_part", start: p.start, end: p.end, phrase: value.slice(p.start, p.end),
      sentence: `${field}#${sentenceOf(at)}` };
  });
}
