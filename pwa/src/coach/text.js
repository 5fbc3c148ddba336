// Phone text made comparable: lower case, no accents, one kind of apostrophe, SMS spellings and
// street abbreviations expanded, number words turned into digits, digits and letters split
// ("18h30" → "18 h 30", "14ter" → "14 ter"). Every character of the result remembers where it
// came from in what the citizen typed, so a flag can quote the phrase as it was written.
//
// prepare(text, lexicon) → { norm, start, end }; sentences(norm) → index → sentence number
//   norm:  the normalised text; words are separated by exactly one space
//   start[i], end[i]: the span of the original text that norm[i] came from

const TOKEN = /(\p{L}+)|(\p{N}+)|(\n+)|(\s+)|(.)/gsu;
// a parenthesis or a colon also closes a clause: "(fausse sûrement)" doubts the bag, not the report
const SENTENCE_END = new Set([".", "!", "?", ";", "\n", "(", ")", ":"]);

/** One character: lower case, accents dropped, typographic apostrophes and dashes unified. */
function baseChars(ch) {
  const lower = ch.toLowerCase();
  if (lower === "œ") return "oe";
  if (lower === "æ") return "ae";
  if (lower === "ß") return "ss";
  if ("’ʼ`´‘".includes(lower)) return "'";
  if ("‐‑‒–—―".includes(lower)) return "-";
  if (lower === "\u00a0" || lower === "\u202f") return " ";
  if (lower === "\r") return "\n";
  const base = lower.normalize("NFD").replace(/\p{M}+/gu, "");
  return base || lower;
}

/** The text, character by character through baseChars, with each output char's source index. */
function fold(text) {
  let out = "";
  const from = [];
  let i = 0;
  for (const ch of text) {
    const b = baseChars(ch);
    out += b;
    for (let k = 0; k < b.length; k += 1) from.push(i);
    i += ch.length;
  }
  from.push(text.length);
  return { out, from };
}

/** Raw tokens of the folded text: {t, kind: w|n|s|b|p, s, e} with s/e in the original text. */
function tokenise(text, lex) {
  const { out, from } = fold(text);
  const tokens = [];
  for (const m of out.matchAll(TOKEN)) {
    const [whole, word, num, newline, space] = m;
    const kind = word ? "w" : num ? "n" : newline ? "b" : space ? "s" : "p";
    const s = from[m.index];
    const e = from[m.index + whole.length - 1] + 1;
    const accented = kind === "w" ? lex.accented?.[text.slice(s, e).normalize("NFC").toLowerCase()] : undefined;
    tokens.push({ t: kind === "s" ? " " : accented ?? whole, kind, s, e });
  }
  return tokens;
}

const isWord = (tok) => tok && (tok.kind === "w" || tok.kind === "n");
const vowelStart = (tok) => tok && tok.kind === "w" && /^[aeiouyh]/.test(tok.t);

/** Tokens without spaces, each marked with whether a space (or a hyphen between words) preceded it. */
function compact(tokens) {
  const out = [];
  let spaced = false;
  for (let i = 0; i < tokens.length; i += 1) {
    const tok = tokens[i];
    const joiner = (tok.t === "-" || tok.t === "_") && tok.kind === "p";
    // "week-end", "Saint-Ferjeux", "dix-huit": a hyphen between two words is a space
    if (tok.kind === "s" || (joiner && tokens[i - 1]?.kind === "w" && tokens[i + 1]?.kind === "w")) {
      spaced = true;
      continue;
    }
    out.push({ ...tok, spaced });
    spaced = false;
  }
  return out;
}

/**
 * The rewriting pass: elisions, SMS spellings, guarded abbreviations, number words. Works on
 * space-less tokens; a rewrite may produce several words (kept as one token whose text holds
 * spaces, mapped to the whole original span).
 */
function rewrite(tokens, lex) {
  const out = [];
  for (let i = 0; i < tokens.length; i += 1) {
    const tok = tokens[i];
    const next = tokens[i + 1];
    const prev = out[out.length - 1];
    // "j'" "l'" … : "j ' ai" and "j ai" (apostrophe forgotten) both become "j'" + "ai"
    if (tok.kind === "w" && lex.elisions.has(tok.t)) {
      if (next?.t === "'" && !next.spaced && tokens[i + 2] && isWord(tokens[i + 2])) {
        out.push({ ...tok, t: `${tok.t}'`, e: next.e, elided: true });
        i += 1;
        continue;
      }
      const afterName = prev && lex.buildingWords.has(prev.t); // "bat d en face" is building D
      if (next?.spaced && vowelStart(next) && lex.looseElisions.has(tok.t) && !afterName) {
        out.push({ ...tok, t: `${tok.t}'`, elided: true });
        continue;
      }
    }
    // "c chaud" is "c'est chaud"; "bat c" stays building C
    const loose = tok.kind === "w" ? lex.looseWords?.[tok.t] : undefined;
    if (loose && next?.spaced && next.kind === "w" && next.t.length > 1 && !(prev && lex.buildingWords.has(prev.t)) &&
      !(tokens[i + 1]?.t === "'")) {
      out.push({ ...tok, t: loose });
      continue;
    }
    // SMS spellings, longest first over up to three tokens ("y ' a", "c ' est", "a l'arrache")
    const sms = matchPhrase(tokens, i, lex.sms);
    if (sms) {
      out.push({ ...tok, t: sms.to, e: tokens[sms.last].e, kind: "w", elided: sms.to.endsWith("'") });
      i = sms.last;
      continue;
    }
    // Abbreviations: always ("bd", "av") or only before a dot or after a number ("r.", "all.")
    if (tok.kind === "w") {
      const always = lex.abbreviations[tok.t];
      const guarded = lex.guardedAbbreviations[tok.t];
      const dotted = next?.t === "." && !next.spaced;
      const afterNumber = prev && (prev.kind === "n" || lex.numberSuffixes.has(prev.t));
      if (always || (guarded && (dotted || afterNumber))) {
        out.push({ ...tok, t: always ?? guarded, e: dotted ? next.e : tok.e });
        if (dotted) i += 1; // "av." : the dot is the abbreviation's, not the end of a sentence
        continue;
      }
    }
    // Number words: "dix huit", "dix-huit", "vingt et une" → "18", "21"
    if (tok.kind === "w" && lex.numbers.has(tok.t)) {
      const num = readNumber(tokens, i, lex);
      if (num) {
        out.push({ ...tok, t: String(num.value), kind: "n", e: tokens[num.last].e });
        i = num.last;
        continue;
      }
    }
    out.push(tok);
  }
  return out;
}

/** The longest SMS phrase starting at tokens[i] (keys are token texts joined by "|"). */
function matchPhrase(tokens, i, table) {
  let best = null;
  let key = "";
  for (let j = i; j < Math.min(tokens.length, i + 4); j += 1) {
    if (j > i && tokens[j].spaced && tokens[j - 1].t !== "'" && tokens[j].t !== "'") key += " ";
    key += tokens[j].t;
    if (j > i && tokens[j].kind === "p" && tokens[j].t !== "'") break;
    const to = table.get(key);
    if (to !== undefined) best = { to, last: j };
  }
  return best;
}

/**
 * A number written in words. Small words that are also articles or adjectives ("un", "une",
 * "neuf", "one") count only inside a compound or before a unit ("une heure", "neuf heures").
 */
function readNumber(tokens, i, lex) {
  let total = 0;
  let current = 0;
  let unit = 0; // the last small number, for "quatre vingt" (4 × 20)
  let last = -1;
  let words = 0;
  for (let j = i; j < tokens.length; j += 1) {
    const tok = tokens[j];
    if (words > 0 && lex.numberJoiners.has(tok.t) && lex.numberJoinable.has(tokens[j + 1]?.t)) continue; // "vingt et un"
    const n = lex.numbers.get(tok.t);
    if (n === undefined || tok.kind !== "w") break;
    if (n === 1000) {
      total += (current || 1) * 1000;
      current = 0;
    } else if (n === 100) current = (current || 1) * 100;
    else if (n === 20 && unit > 1 && unit < 10 && current === unit) current = unit * 20; // quatre vingt
    else current += n;
    unit = n;
    last = j;
    words += 1;
  }
  if (last < 0) return null;
  const after = tokens[last + 1];
  const ambiguous = words === 1 && lex.ambiguousNumbers.has(tokens[i].t);
  if (ambiguous && !(after && lex.numberUnits.has(after.t))) return null;
  return { value: total + current, last };
}

/** The normalised text and its map back to the original. */
export function prepare(text, lex) {
  const tokens = rewrite(compact(tokenise(String(text ?? ""), lex)), lex);
  let norm = "";
  const start = [];
  const end = [];
  const push = (chars, s, e) => {
    for (const ch of chars) {
      norm += ch;
      start.push(s);
      end.push(e);
    }
  };
  let prev = null;
  for (const tok of tokens) {
    const text = tok.kind === "b" ? "\n" : tok.t;
    const glued = !prev || prev.elided || prev.t === "'" || text === "'" || text === "\n" || prev.kind === "b";
    if (!glued && (tok.spaced || (isWord(prev) && isWord(tok)))) push(" ", prev.e, prev.e);
    push(text, tok.s, tok.e);
    prev = tok;
  }
  return { norm, start, end };
}

/** Sentence boundaries in a normalised text: an index → sentence number function. */
export function sentences(norm) {
  const marks = [];
  for (let i = 0; i < norm.length; i += 1) {
    const ch = norm[i];
    // a dot between digits ("1.80", "8.15") is not the end of a sentence
    if (SENTENCE_END.has(ch) && !(ch === "." && /\d/.test(norm[i - 1] ?? "") && /\d/.test(norm[i + 1] ?? ""))) {
      marks.push(i);
    }
  }
  return (index) => {
    let n = 0;
    while (n < marks.length && marks[n] < index) n += 1;
    return n;
  };
}
