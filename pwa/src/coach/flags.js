// Gentle advice on wording, from the findings: impressions and judgements instead of what was
// seen, hearsay, generalisations, supposed origin instead of a description, and details that
// could identify the witness. Advice only, never a block.

const KINDS = {
  speculation: { kind: "vague", messageKey: "msg_speculation", suggestionKey: "sug_speculation" },
  judgement: { kind: "vague", messageKey: "msg_judgement", suggestionKey: "sug_judgement" },
  hearsay: { kind: "hearsay", messageKey: "msg_hearsay", suggestionKey: "sug_hearsay" },
  generalisation: { kind: "generalisation", messageKey: "msg_generalisation", suggestionKey: "sug_generalisation" },
  origin_people: { kind: "stereotype", messageKey: "msg_stereotype", suggestionKey: "sug_stereotype" },
  self: { kind: "self", messageKey: "msg_self", suggestionKey: "sug_self" },
};
export const FLAG_KINDS = ["self", "stereotype", "hearsay", "vague", "generalisation"];
const FIRST_PERSON = /(?<![\p{L}])(?:(?:je|me|moi|ma|mon|mes|i|my)(?![\p{L}])|[jm]['’])/iu;

/** Sentences where a threat is made to the writer ("…j'allais le regretter"). */
export function threatenedSentences(findings) {
  return new Set(findings.filter((f) => f.cat === "threat" && FIRST_PERSON.test(f.phrase)).map((f) => f.sentence));
}

/** [{ field, kind, phrase, messageKey, suggestionKey }]: identifying details first, then by field. */
export function findFlags(analysis) {
  const out = [];
  const seen = new Set();
  // "il m'a dit que j'allais le regretter" reports a threat to the writer, not a rumour
  const threatened = threatenedSentences(analysis.findings);
  for (const f of analysis.findings) {
    const rule = KINDS[f.cat];
    if (!rule) continue;
    if (f.cat === "hearsay" && threatened.has(f.sentence)) continue;
    // a plate "belge" or a car "blanche" says nothing of a person
    if (rule.kind === "stereotype" && f.field.startsWith("vehicles.")) continue;
    const key = `${rule.kind}:${f.field}:${f.norm ?? f.phrase.toLowerCase()}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ field: f.field, kind: rule.kind, phrase: f.phrase, messageKey: rule.messageKey,
      suggestionKey: rule.suggestionKey, start: f.start });
  }
  const order = Object.fromEntries(FLAG_KINDS.map((k, i) => [k, i]));
  return out.sort((a, b) => order[a.kind] - order[b.kind] || a.start - b.start).map(({ start, ...flag }) => flag);
}
