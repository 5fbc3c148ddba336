// What the report coach (issue 9) costs the citizen app, against the same app without it:
//
//   node bench/coach_bench.mjs [--baseline REF] [--rounds N]
//
// - bytes: the service worker's precache list and the first page load, brotli (as the build
//   writes them), for this working tree and for REF (default: the merge base with main), both
//   built in the same run with the same throwaway root key;
// - time: assessing every draft of the coach's corpus (tests/data/coach) with this coach and
//   with REF's coach, in the same process; and compiling the lexicons once.
// Results are printed and written to bench/out/coach.json; docs/benchmarks.md has a run.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { values: args } = parseArgs({ options: { baseline: { type: "string" }, rounds: { type: "string" } } });
const rounds = Number(args.rounds ?? 5);
const git = (...a) => execFileSync("git", a, { cwd: REPO, encoding: "utf8" }).trim();
const baseline = args.baseline ?? git("merge-base", "HEAD", "main");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "coach-bench-"));

function rootKey() {
  // a document of the right shape: the build pins it, nothing here verifies a bundle with it
  const file = path.join(tmp, "root-key.json");
  fs.writeFileSync(file, JSON.stringify({ type: "tipline.root-key", version: 1,
    public_key: randomBytes(32).toString("base64"), fingerprint: "bench" }));
  return file;
}

/** The pwa/ tree of a git ref, with this checkout's node_modules. */
function checkout(ref) {
  const dir = path.join(tmp, `src-${ref.slice(0, 12)}`);
  fs.mkdirSync(dir, { recursive: true });
  execFileSync("sh", ["-c", `git archive ${ref} pwa | tar -x -C ${dir}`], { cwd: REPO });
  fs.symlinkSync(path.join(REPO, "pwa", "node_modules"), path.join(dir, "pwa", "node_modules"));
  return path.join(dir, "pwa");
}

function build(pwa, key, name) {
  const out = path.join(tmp, `dist-${name}`);
  execFileSync("node", ["build.mjs", "--out", out, "--root-key", key], { cwd: pwa, stdio: "pipe" });
  const report = JSON.parse(fs.readFileSync(path.join(out, "build.json"), "utf8"));
  const sw = fs.readFileSync(path.join(out, "service-worker.js"), "utf8");
  const precache = JSON.parse(sw.match(/__TIPLINE_PRECACHE=(\[.*?\]);/)[1]);
  const bytes = (url) => report.files[url]?.br ?? report.files[url]?.size ?? 0;
  const html = fs.readFileSync(path.join(out, "index.html"), "utf8");
  const linked = [...html.matchAll(/(?:href|src)="(\/[^"#?]+)"/g)].map((m) => m[1]).filter((u) => u in report.files);
  return {
    precache: precache.reduce((n, u) => n + bytes(u), 0) + bytes("/service-worker.js"),
    firstLoad: ["/index.html", ...new Set(linked)].reduce((n, u) => n + bytes(u), 0),
    app: bytes(report.app),
  };
}

/** Milliseconds of CPU to assess every corpus draft once, best of `rounds`. */
async function timeCoach(pwa) {
  const coach = await import(pathToFileURL(path.join(pwa, "src", "coach", "coach.js")).href);
  const { loadPart, PARTS, toDraft } = await import(pathToFileURL(path.join(REPO, "tests", "js", "coach", "evaluate.js")).href);
  const drafts = PARTS.flatMap(loadPart).map((item) => [toDraft(item.draft), { attachmentsCount: item.files ?? 0 }]);
  let compile = null;
  if (coach.warmUpCoach) {
    const t0 = performance.now();
    coach.warmUpCoach(["fr", "en"]);
    compile = performance.now() - t0;
  }
  let best = Infinity;
  for (let r = 0; r < rounds; r += 1) {
    const t0 = performance.now();
    for (const [draft, options] of drafts) coach.assessReport(draft, options);
    best = Math.min(best, performance.now() - t0);
  }
  return { perDraftMs: best / drafts.length, drafts: drafts.length, compileMs: compile };
}

const key = rootKey();
const basePwa = checkout(baseline);
const results = {
  baseline,
  head: git("rev-parse", "HEAD"),
  dirty: git("status", "--porcelain", "pwa").length > 0,
  when: new Date().toISOString(),
  bytes: { baseline: build(basePwa, key, "baseline"), current: build(path.join(REPO, "pwa"), key, "current") },
  time: { baseline: await timeCoach(basePwa), current: await timeCoach(path.join(REPO, "pwa")) },
};
const b = results.bytes;
const kb = (n) => `${(n / 1000).toFixed(1)} KB`;
console.log(`baseline ${baseline.slice(0, 12)}, current ${results.head.slice(0, 12)}${results.dirty ? " + changes" : ""}`);
console.log(`precache (brotli): ${kb(b.baseline.precache)} → ${kb(b.current.precache)}  (+${kb(b.current.precache - b.baseline.precache)}, ratio ${(b.current.precache / b.baseline.precache).toFixed(2)})`);
console.log(`first load (brotli): ${kb(b.baseline.firstLoad)} → ${kb(b.current.firstLoad)}  (ratio ${(b.current.firstLoad / b.baseline.firstLoad).toFixed(2)})`);
console.log(`app script (brotli): ${kb(b.baseline.app)} → ${kb(b.current.app)}`);
const t = results.time;
console.log(`assess one draft (CPU, ${t.current.drafts} drafts, best of ${rounds}): ${t.baseline.perDraftMs.toFixed(3)} ms → ${t.current.perDraftMs.toFixed(3)} ms  (ratio ${(t.current.perDraftMs / t.baseline.perDraftMs).toFixed(1)})`);
if (t.current.compileMs !== null) console.log(`compile both lexicons once: ${t.current.compileMs.toFixed(0)} ms`);
fs.mkdirSync(path.join(REPO, "bench", "out"), { recursive: true });
fs.writeFileSync(path.join(REPO, "bench", "out", "coach.json"), `${JSON.stringify(results, null, 2)}\n`);
fs.rmSync(tmp, { recursive: true, force: true });
