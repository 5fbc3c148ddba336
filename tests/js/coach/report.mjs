// Prints the coach's evaluation on both parts of the corpus (scripts/coach-eval).
//   --errors        list the tuning part's per-draft disagreements
//   --errors=ID     only those of the drafts whose id starts with ID
//   --show-heldout  list the held-out part's disagreements too (not while tuning the rules)
//   --part=NAME     print one part only (tuning uses --part=tune, so held-out figures stay unseen)
import { CHECK_IDS } from "../../../pwa/src/coach/coach.js";
import { evaluateCorpus, FLAG_KINDS } from "./evaluate.js";

const args = process.argv.slice(2);
const errorsArg = args.find((a) => a.startsWith("--errors"));
const only = errorsArg?.includes("=") ? errorsArg.split("=")[1] : "";
const showHeldout = args.includes("--show-heldout");
const partArg = args.find((a) => a.startsWith("--part="))?.split("=")[1]; // while tuning: --part=tune
const pct = (x) => (Number.isNaN(x) ? "  n/a" : `${(100 * x).toFixed(1).padStart(5)}`);

const results = evaluateCorpus();
for (const [part, r] of Object.entries(results)) {
  if (partArg && part !== partArg) continue;
  console.log(`\n== ${part}: ${r.drafts} drafts (${r.useful} useful, ${r.structured} with structured fields)`);
  console.log(`ROC AUC of the level, useful vs vague: ${r.auc.toFixed(3)}   (of the finer score: ${r.aucScore.toFixed(3)})`);
  console.log(`levels:  ${r.levels.map((l) => `${l.level}: ${l.useful} useful / ${l.vague} vague`).join("   ")}`);
  for (const kind of ["free", "structured"]) {
    if (!r.elements[kind]) continue;
    console.log(`\n  elements, ${kind}-text drafts   found (P|p vs missing): P / R / F1     present only: F1   exact status`);
    for (const id of CHECK_IDS) {
      const m = r.elements[kind][id];
      const s = r.present[kind][id];
      console.log(`  ${id.padEnd(10)} n=${String(m.support).padStart(3)}   ${pct(m.precision)} ${pct(m.recall)} ${pct(m.f1)}` +
        `        ${pct(s.f1)}        ${pct(r.accuracy[kind][id])}`);
    }
  }
  const d = r.danger;
  console.log(`\n  danger now: recall ${pct(d.recall)}% (${Math.round(d.recall * d.withDanger)}/${d.withDanger}),` +
    ` false alarms ${d.falseAlarms}/${d.withoutDanger} (${pct(d.falseAlarms / (d.withoutDanger || 1))}%)`);
  console.log(`  flags (P / R / F1): ${FLAG_KINDS.map((k) => `${k} ${pct(r.flags[k].precision)} ${pct(r.flags[k].recall)} ${pct(r.flags[k].f1)}`).join(" | ")}`);
  console.log(`  useful drafts with an unexpected flag: ${r.usefulWithFalseFlag}/${r.useful}`);
  if (errorsArg && (part === "tune" || showHeldout)) {
    console.log(`\n  disagreements (${part}):`);
    for (const e of r.errors.filter((x) => x.id.startsWith(only))) console.log(`   ${JSON.stringify(e)}`);
  }
}
