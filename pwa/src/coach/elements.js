// The checklist of the article's table, read from the findings wherever they were written:
// place, time, frequency, people, vehicles, plate, evidence, risks. Each is present, partial or
// missing, with a reason that picks the one-line hint shown to the citizen.
//
// checkElements runs twice: on every finding (what the citizen sees), and on first-hand
// findings only (for the level): facts written in a sentence that is hearsay ("d'après ma
// belle-sœur…") or a claim without observation ("à tous les coups…") are shown as written, but
// do not raise the level, since the police need what was seen.

import { threatenedSentences } from "./flags.js";

export const CHECK_IDS = ["place", "time", "frequency", "people", "vehicles", "plate", "evidence", "risks"];

const DESCRIPTORS = ["clothing", "height", "build", "hair", "face", "marks", "age", "gait", "accessory", "voice",
  "nickname", "brand"];
const VEHICLE_MENTIONS = ["vehicle", "vehicle_make", "vehicle_model", "vehicle_model_number"];
const VEHICLE_DETAILS = ["colour", "vehicle_make", "vehicle_model", "vehicle_model_number", "vehicle_feature",
  "plate", "plate_part", "plate_partial"];
const MODELS = ["vehicle_make", "vehicle_model", "vehicle_model_number"];
const EVIDENCE_STRONG = ["recording", "drug", "packaging", "cash", "scale", "stash"];
const EVIDENCE_WEAK = ["exchange", "drug_generic", "evidence_claim"];
export const DANGER = ["children", "weapon", "threat", "violence", "animal", "syringes"];
const NEAR = 20; // characters: a colour this close to a vehicle word describes it ("une 208 blanche")
const filled = (v) => typeof v === "string" && v.trim().length > 0;

function spansOverlap(a, b) {
  return a.field === b.field && a.start < b.end && b.start < a.end;
}

/** Findings of some categories, optionally only the ones not reported second-hand. */
function pick(findings, cats) {
  return findings.filter((f) => cats.includes(f.cat));
}

/**
 * How many distinct things a list of findings covers: overlapping spans count once, and a
 * brand right next to a garment is one garment ("veste Stone Island").
 */
function distinct(list) {
  const kept = [];
  for (const f of [...list].sort((a, b) => (b.end - b.start) - (a.end - a.start))) {
    if (!kept.some((k) => spansOverlap(k, f))) kept.push(f);
  }
  return kept.filter((f) => !(f.cat === "brand" && kept.some((k) => k.cat === "clothing" && k.field === f.field &&
    Math.abs(k.end - f.start) <= 4)));
}

const words = (text) => (String(text ?? "").match(/[\p{L}\p{N}]+/gu) ?? []).length;

/** Checks built from findings in sentences that are first-hand (strong) and the rest (weak). */
function grade(strong, weak) {
  if (strong) return "present";
  return weak ? "partial" : "missing";
}

/** Findings outside sentences that are hearsay or speculation. */
export function firstHand(findings) {
  const threatened = threatenedSentences(findings); // a threat reported by the one threatened is first-hand
  const reported = new Set(findings.filter((f) => (f.cat === "hearsay" && !threatened.has(f.sentence)) ||
    f.cat === "speculation").map((f) => f.sentence));
  return findings.filter((f) => !reported.has(f.sentence));
}

export function checkElements(draft, analysis, { attachmentsCount = 0, findings = analysis.findings } = {}) {
  const all = findings;
  const seen = findings;
  const textOf = new Map(analysis.texts.map((t) => [t.field, t]));
  const answered = (field) => textOf.has(field) && !textOf.get(field).unknown;
  const has = (list, cats) => list.some((f) => cats.includes(f.cat));
  const results = {};

  // --- place ------------------------------------------------------------------------------
  {
    const strongCats = ["street_name", "address", "landmark_named", "shop_brand", "crossing"];
    const named = (list) => has(list, strongCats) ||
      // "bât. C" is findable inside a named street or estate, not alone
      (has(list, ["building_id"]) && has(list, ["estate", "street_name", "address"]));
    // a generic spot in a named district or town is findable ("derrière la salle des fêtes, à Morteau")
    const spotInTown = (list) => {
      const towns = pick(list, ["estate"]);
      const spots = pick(list, ["place_generic"]).filter((g) => !towns.some((t) => spansOverlap(t, g)));
      return spots.some((g) => towns.some((t) => t.field === g.field));
    };
    const position = draft.place?.position;
    let status = grade(named(seen) || spotInTown(seen),
      named(all) || has(all, ["building_id", "place_generic", "estate"]));
    let reason = has(all, ["building_id"]) ? "building" : has(all, ["estate"]) ? "district" : "generic";
    if (status === "missing" && answered("place.text") && words(textOf.get("place.text").value) >= 2) status = "partial";
    if (position) status = answered("place.text") || status === "present" ? "present" : "partial";
    if (position && status === "partial") reason = "position";
    results.place = { status, reason };
  }

  // --- time and frequency -----------------------------------------------------------------------
  {
    const sentencesWith = (list, cats) => new Set(pick(list, cats).map((f) => f.sentence));
    const dayAndPart = (list) => {
      const days = sentencesWith(list, ["day"]);
      return pick(list, ["part_of_day"]).some((f) => days.has(f.sentence));
    };
    const precise = (list) => has(list, ["clock", "date"]) || dayAndPart(list);
    const seenAt = filled(draft.when?.seen_at);
    const status = seenAt ? "present"
      : grade(precise(seen), precise(all) || has(all, ["day", "part_of_day", "time_vague"]));
    results.time = { status, reason: status === "partial" && has(all, ["day"]) ? "day" : "hour" };

    // hours given in answer to "how often?" describe a routine ("le soir de 18 h à minuit")
    const routine = pick(seen, ["clock"]).some((f) => f.field === "when.frequency");
    let freq = grade(has(seen, ["recurrence"]) || routine, has(all, ["recurrence", "frequency_vague"]));
    if (freq === "missing" && answered("when.frequency")) freq = "partial";
    results.frequency = { status: freq, reason: "days" };
  }

  // --- people ----------------------------------------------------------------------------------
  {
    const boxes = /^people\.\d+\.(clothing|height|signs)$/;
    // a structured description counts each box the citizen filled, at least one detail per box
    let structured = 0;
    (draft.people ?? []).forEach((p, i) => {
      for (const key of ["clothing", "height", "signs"]) {
        const field = `people.${i}.${key}`;
        if (answered(field)) structured += Math.max(1, distinct(pick(all, DESCRIPTORS).filter((f) => f.field === field)).length);
      }
    });
    const free = (list) => distinct(pick(list, DESCRIPTORS).filter((f) => !boxes.test(f.field))).length;
    const strong = free(seen) + structured;
    const mentioned = free(all) + structured > 0 || has(all, ["person", "origin_people"]) ||
      (draft.people ?? []).some((p, i) => p && answered(`people.${i}.role`));
    results.people = { status: strong >= 2 ? "present" : mentioned ? "partial" : "missing", reason: "detail" };
  }

  // --- vehicles and plates -------------------------------------------------------------------------
  {
    // a make or a model names the vehicle by itself ("la Clio"); a type needs a colour, a plate…
    const described = (list) => has(list, MODELS) || pick(list, VEHICLE_MENTIONS).some((m) =>
      pick(list, VEHICLE_DETAILS).some((d) => d.field === m.field && d.sentence === m.sentence && !spansOverlap(d, m) &&
        Math.abs(d.start - m.start) <= NEAR && !(d.cat === m.cat && d.phrase === m.phrase)));
    const structured = (draft.vehicles ?? []).map((v, i) => (v ? ["type", "colour", "make", "plate"]
      .filter((k) => answered(`vehicles.${i}.${k}`)).length : 0));
    const best = Math.max(0, ...structured);
    const plates = pick(all, ["plate"]);
    const status = described(seen) || best >= 2 ? "present"
      : has(all, VEHICLE_MENTIONS) || best === 1 || plates.length ? "partial" : "missing";
    results.vehicles = { status, reason: "detail" };

    const full = pick(seen, ["plate"]).length > 0;
    const part = has(all, ["plate", "plate_part", "plate_partial"]);
    results.plate = { status: full ? "present" : part ? "partial" : "missing", reason: "partial" };
  }

  // --- evidence ------------------------------------------------------------------------------------
  {
    const smelled = new Set(pick(all, ["smell"]).map((f) => f.sentence));
    // "ça pue le shit" is a smell, not something seen
    const strongOf = (list) => pick(list, EVIDENCE_STRONG).some((f) => !(f.cat === "drug" && smelled.has(f.sentence)));
    const status = attachmentsCount > 0 ? "present"
      : grade(strongOf(seen), has(all, [...EVIDENCE_STRONG, ...EVIDENCE_WEAK]));
    results.evidence = { status, reason: "what" };
  }

  // --- risks ---------------------------------------------------------------------------------------
  {
    const boxes = ["children", "weapons", "threats"].some((k) => draft.risks?.[k] === true);
    const status = boxes || has(all, DANGER) ? "present" : has(all, ["danger_vague"]) ? "partial" : "missing";
    results.risks = { status, reason: "what" };
  }

  return CHECK_IDS.map((id) => ({ id, ...results[id] }));
}
