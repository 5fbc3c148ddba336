// Which language a text is written in, from the small words nobody can avoid ("le", "dans",
// "the", "with"). Per text: a French interface may receive an English report, and the other
// way round. A text too short to tell ("1m80", "Clio grise") returns null and takes the
// language of the rest of the draft.

const WORDS = /[\p{L}']+/gu;
const sets = new WeakMap();

function fold(text) {
  return String(text ?? "").toLowerCase().normalize("NFD").replace(/\p{M}+/gu, "").replace(/[’`´]/g, "'");
}

/** "fr", "en" or null, with the lexicons' `detect` word lists. */
export function detectLanguage(text, lexicons) {
  const words = fold(text).match(WORDS) ?? [];
  let best = null;
  let bestScore = 0;
  let tie = false;
  for (const [lang, data] of Object.entries(lexicons)) {
    if (!sets.has(data)) sets.set(data, new Set(data.detect));
    const known = sets.get(data);
    let score = 0;
    for (const w of words) {
      // "j'ai", "l'entree": the elided word counts as its article or pronoun
      const head = w.includes("'") ? w.slice(0, w.indexOf("'")) : w;
      if (known.has(w) || known.has(head)) score += 1;
    }
    if (score > bestScore) {
      best = lang;
      bestScore = score;
      tie = false;
    } else if (score === bestScore && score > 0) tie = true;
  }
  return bestScore > 0 && !tie ? best : null;
}
