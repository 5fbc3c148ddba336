// The coach's verdict as it travels inside the encrypted report (docs/report.md, "coach"), so
// the operators' inbox can sort and show it. Nothing else carries it: the coach sends nothing.
// Phrases are quoted from the report itself, cut to a readable length.

const PHRASE_MAX = 80;
const cut = (s) => (s.length > PHRASE_MAX ? `${s.slice(0, PHRASE_MAX - 1)}…` : s);

export function coachVerdict(assessment) {
  if (!assessment) return null;
  return {
    version: 1,
    level: assessment.level,
    score: assessment.score,
    checks: Object.fromEntries(assessment.checks.map((c) => [c.id, c.status])),
    missing: assessment.missing,
    partial: assessment.partial,
    flags: assessment.flags.map((f) => ({ kind: f.kind, field: f.field, phrase: cut(f.phrase) })),
    danger: {
      active: assessment.danger.active,
      kinds: [...new Set(assessment.danger.triggers.map((tr) => tr.kind))],
      fields: [...new Set(assessment.danger.triggers.map((tr) => tr.field))],
    },
    languages: assessment.languages,
  };
}
