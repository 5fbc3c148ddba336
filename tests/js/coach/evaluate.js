// The coach measured on the labelled corpus (tests/data/coach, rules in docs/coach.md): ROC AUC
// of the level for useful against vague drafts, per-element precision/recall/F1 (structured and
// free-text drafts apart), danger-now recall and false alarms, and advice flags. Used by
// scripts/coach-eval (which prints it) and by evaluation.test.js (which holds thresholds).
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { assessReport, CHECK_IDS } from "../../../pwa/src/coach/coach.js";

export const CORPUS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../data/coach");
export const PARTS = ["tune", "heldout", "fresh"];
const STATUS = { P: "present", p: "partial" };
export const FLAG_KINDS = ["vague", "hearsay", "generalisation", "stereotype", "self"];

/** The corpus's short form as the draft object the form makes (docs/report.md). */
export function toDraft(d) {
  return {
    place: { text: d.place ?? "", position: null },
    when: { seen_at: d.seen_at ?? "", frequency: d.frequency ?? "" },
    people: d.people ?? [],
    vehicles: d.vehicles ?? [],
    risks: { children: Boolean(d.risks?.children), weapons: Boolean(d.risks?.weapons),
      threats: Boolean(d.risks?.threats), details: d.risks?.details ?? "" },
    details: d.details ?? "",
    contact: {},
  };
}

export function isStructured(d) {
  return Object.entries(d).some(([k, v]) => k !== "details" && (Array.isArray(v) ? v.length : typeof v === "object"
    ? Object.values(v).some(Boolean) : Boolean(v)));
}

export function loadPart(part) {
  const dir = path.join(CORPUS, part);
  return readdirSync(dir).filter((f) => f.endsWith(".json")).sort()
    .flatMap((f) => JSON.parse(readFileSync(path.join(dir, f), "utf8")));
}

/** Probability that a useful draft scores above a vague one (ties count half). */
export function rocAuc(scores, labels) {
  const pos = scores.filter((_, i) => labels[i]);
  const neg = scores.filter((_, i) => !labels[i]);
  if (!pos.length || !neg.length) return NaN;
  let wins = 0;
  for (const p of pos) for (const n of neg) wins += p > n ? 1 : p === n ? 0.5 : 0;
  return wins / (pos.length * neg.length);
}

const prf = ({ tp, fp, fn }) => {
  const precision = tp + fp ? tp / (tp + fp) : 1;
  const recall = tp + fn ? tp / (tp + fn) : 1;
  const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
  return { precision, recall, f1, support: tp + fn };
};

/** Every metric for one list of labelled drafts, plus the per-draft errors. */
export function evaluate(items) {
  const rows = items.map((item) => {
    const draft = toDraft(item.draft);
    // the interface stays French: an English draft must be recognised from its text
    const result = assessReport(draft, { attachmentsCount: item.files ?? 0 });
    return { item, result, structured: isStructured(item.draft) };
  });
  const counts = {}; // kind → element → {tp, fp, fn} for "mentioned" (present or partial)
  const strict = {}; // kind → element → {tp, fp, fn} for "present"
  const exact = {}; // kind → element → [right, total]
  const errors = [];
  for (const { item, result, structured } of rows) {
    const kind = structured ? "structured" : "free";
    for (const id of CHECK_IDS) {
      const want = STATUS[item.el?.[id]] ?? "missing";
      const got = result.checks.find((c) => c.id === id).status;
      for (const [table, pos] of [[counts, (s) => s !== "missing"], [strict, (s) => s === "present"]]) {
        const c = ((table[kind] ??= {})[id] ??= { tp: 0, fp: 0, fn: 0 });
        if (pos(want) && pos(got)) c.tp += 1;
        else if (pos(got)) c.fp += 1;
        else if (pos(want)) c.fn += 1;
      }
      const e = ((exact[kind] ??= {})[id] ??= [0, 0]);
      e[1] += 1;
      if (want === got) e[0] += 1;
      else errors.push({ id: item.id, what: id, want, got });
    }
  }
  const metric = (table) => Object.fromEntries(Object.entries(table).map(([kind, els]) =>
    [kind, Object.fromEntries(Object.entries(els).map(([id, c]) => [id, prf(c)]))]));

  // danger now: drafts labelled with a danger must show the advice; the others should not
  const dangerous = rows.filter((r) => r.item.danger);
  const calm = rows.filter((r) => !r.item.danger);
  for (const r of rows) {
    if (Boolean(r.item.danger) !== r.result.danger.active) {
      errors.push({ id: r.item.id, what: "danger", want: Boolean(r.item.danger), got: r.result.danger.active,
        triggers: r.result.danger.triggers.map((t) => `${t.kind}:${t.phrase}`) });
    }
  }

  // flags: per kind, and false alarms on useful drafts
  const flagCounts = {};
  let usefulWithFalseFlag = 0;
  for (const r of rows) {
    const want = new Set(r.item.flags ?? []);
    const got = new Set(r.result.flags.map((f) => f.kind));
    let falseFlag = false;
    for (const kind of FLAG_KINDS) {
      const c = (flagCounts[kind] ??= { tp: 0, fp: 0, fn: 0 });
      if (want.has(kind) && got.has(kind)) c.tp += 1;
      else if (got.has(kind)) {
        c.fp += 1;
        falseFlag = true;
      } else if (want.has(kind)) c.fn += 1;
      if (want.has(kind) !== got.has(kind)) {
        errors.push({ id: r.item.id, what: `flag ${kind}`, want: want.has(kind), got: got.has(kind),
          phrases: r.result.flags.filter((f) => f.kind === kind).map((f) => f.phrase) });
      }
    }
    if (r.item.useful && falseFlag) usefulWithFalseFlag += 1;
  }
  const useful = rows.filter((r) => r.item.useful);
  for (const r of rows) {
    // "very precise" (3) is the level a useful draft should reach
    const wantHigh = Boolean(r.item.useful);
    const high = r.result.level >= 3;
    if (wantHigh !== high) errors.push({ id: r.item.id, what: "level", want: wantHigh ? "3" : "≤2", got: r.result.level });
  }

  return {
    drafts: rows.length,
    useful: useful.length,
    structured: rows.filter((r) => r.structured).length,
    auc: rocAuc(rows.map((r) => r.result.level), rows.map((r) => r.item.useful)),
    aucScore: rocAuc(rows.map((r) => r.result.score), rows.map((r) => r.item.useful)),
    levels: [0, 1, 2, 3].map((l) => ({
      level: l,
      useful: rows.filter((r) => r.result.level === l && r.item.useful).length,
      vague: rows.filter((r) => r.result.level === l && !r.item.useful).length,
    })),
    elements: metric(counts),
    present: metric(strict),
    accuracy: Object.fromEntries(Object.entries(exact).map(([kind, els]) =>
      [kind, Object.fromEntries(Object.entries(els).map(([id, [ok, n]]) => [id, ok / n]))])),
    danger: {
      recall: dangerous.filter((r) => r.result.danger.active).length / (dangerous.length || 1),
      withDanger: dangerous.length,
      falseAlarms: calm.filter((r) => r.result.danger.active).length,
      withoutDanger: calm.length,
    },
    flags: Object.fromEntries(Object.entries(flagCounts).map(([k, c]) => [k, prf(c)])),
    usefulWithFalseFlag,
    errors,
  };
}

/** Both parts, each evaluated apart. */
export function evaluateCorpus() {
  return Object.fromEntries(PARTS.map((part) => [part, evaluate(loadPart(part))]));
}
