// Lexicons are data (coach/lexicon/*.js): lists of phrases per category, written the way people
// write them. This module compiles them and finds them in prepared text (text.js).
//
// A phrase is normalised like the citizen's text, so "rez-de-chaussée", "18h" or "bât." in a
// list match "rdc", "18 h" or "batiment" as typed. A small syntax covers the rest:
//   {name}     any phrase of category "name"        [a|b c]  one of the alternatives
//   #          a number                              ~        a word that is not a stopword
//   word*      a word starting with "word"           …        up to four words
//   +          any one word, stopwords included ("chemin des Prés-de-Vaux": "prés" reads as "près")
//
// Matching works on words, leftmost-longest per category. Phrases are indexed by the word they
// can start with, and a category found at a position is remembered for the text, so a {ref}
// costs one lookup. (Regular expressions built from the lists took 400 ms to compile on first
// use on a desktop; this takes a few milliseconds.)
import { prepare } from "./text.js";

const TOKEN = /[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu;
const PLAIN = /^[a-z0-9 ]+$/;
const SENTENCE_PUNCT = new Set([".", "!", "?", ";", "\n"]);

/** Words and punctuation of a normalised text: {t, start, end, num, word}. */
export function tokensOf(norm) {
  const out = [];
  for (const m of norm.matchAll(TOKEN)) {
    const t = m[0];
    const word = /^[\p{L}\p{N}]/u.test(t);
    out.push({ t, start: m.index, end: m.index + t.length, word, num: /^\d+$/.test(t), letter: /^\p{L}/u.test(t) });
  }
  return out;
}

/** The syntax tree of one phrase: a sequence of items. */
function parse(source) {
  let i = 0;
  function seq(stop) {
    const items = [];
    let literal = "";
    const flush = () => {
      if (literal.trim()) items.push({ type: "lit", text: literal.trim() });
      literal = "";
    };
    while (i < source.length && !stop.includes(source[i])) {
      const ch = source[i];
      if (ch === "{") {
        flush();
        const close = source.indexOf("}", i);
        items.push({ type: "ref", name: source.slice(i + 1, close).trim() });
        i = close + 1;
      } else if (ch === "[") {
        flush();
        i += 1;
        const alternatives = [seq("|]")];
        while (source[i] === "|") {
          i += 1;
          alternatives.push(seq("|]"));
        }
        i += 1; // "]"
        items.push({ type: "alt", alternatives });
      } else if (ch === "#" || ch === "~" || ch === "…" || ch === "+") {
        flush();
        items.push({ type: ch });
        i += 1;
      } else if (ch === "*") {
        literal += ch;
        flush();
        i += 1;
      } else if (/\s/.test(ch)) {
        flush();
        i += 1;
      } else {
        literal += ch;
        i += 1;
      }
    }
    flush();
    return items;
  }
  return seq("");
}

/** First-word keys of a phrase, for the index: {words, stems, num, any}. */
const noKeys = () => ({ words: new Set(), stems: new Set(), num: false, any: false });
function mergeKeys(into, from) {
  for (const w of from.words) into.words.add(w);
  for (const s of from.stems) into.stems.add(s);
  into.num ||= from.num;
  into.any ||= from.any;
  return into;
}

export function compileLexicon(data) {
  const lex = tables(data);
  const literals = new Map();
  const categories = new Map(); // name → { entries: [{items, keys}], keys, index }

  /** A literal as the words the text will hold (the last one a prefix if it ends with "*"). */
  function literal(text) {
    if (literals.has(text)) return literals.get(text);
    const stem = text.endsWith("*");
    const body = stem ? text.slice(0, -1) : text;
    const plain = PLAIN.test(body) && !body.split(" ").some((w) => lex.sms.has(w) ||
      w in lex.abbreviations || lex.numbers.has(w) || (/\d/.test(w) && /\p{L}/u.test(w)));
    const words = plain && !body.includes("  ") ? body.trim().split(" ").filter(Boolean)
      : tokensOf(prepare(body, lex).norm).map((t) => t.t);
    const keys = noKeys();
    if (!words.length) keys.any = true;
    else if (stem && words.length === 1) keys.stems.add(words[0]);
    else if (/^\d+$/.test(words[0])) keys.num = true;
    else keys.words.add(words[0]);
    const out = { type: "lit", words, stem, keys };
    literals.set(text, out);
    return out;
  }

  function compileItems(items, trail) {
    const out = items.map((item) => {
      if (item.type === "lit") return literal(item.text);
      if (item.type === "alt") {
        const alternatives = item.alternatives.map((a) => compileItems(a, trail));
        return { type: "alt", alternatives, keys: alternatives.reduce((k, a) => mergeKeys(k, a.keys), noKeys()) };
      }
      if (item.type === "ref") return { type: "ref", name: item.name, keys: category(item.name, trail).keys };
      if (item.type === "#") return { type: "#", keys: { ...noKeys(), num: true } };
      return { type: item.type, keys: { ...noKeys(), any: true } }; // "~", "+" and "…"
    }).filter((it) => it.type !== "lit" || it.words.length);
    return { items: out, keys: out[0]?.keys ?? { ...noKeys(), any: true } };
  }

  function category(name, trail = []) {
    if (categories.has(name)) return categories.get(name);
    if (trail.includes(name)) throw new Error(`lexicon ${data.lang}: {${name}} refers to itself`);
    const own = data.categories[name];
    const shared = data.shared?.[name];
    if (!own && !shared) throw new Error(`lexicon ${data.lang}: no category {${name}}`);
    const phrases = [...(own ?? []), ...(shared ?? [])]; // a language may add to a shared list
    const entries = phrases.map((p) => compileItems(parse(p), [...trail, name]));
    const cat = { name, entries, keys: entries.reduce((k, e) => mergeKeys(k, e.keys), noKeys()) };
    cat.index = index(entries);
    categories.set(name, cat);
    return cat;
  }

  const names = new Set([...Object.keys(data.categories), ...Object.keys(data.shared ?? {})]);
  for (const name of names) category(name);
  const excludes = new Map(Object.entries(data.exclude ?? {}).map(([name, phrases]) => {
    const entries = phrases.map((p) => compileItems(parse(p), []));
    return [name, { name: `!${name}`, entries, index: index(entries) }];
  }));
  return { ...lex, categories, excludes };
}

/** Phrases indexed by the word they start with. */
function index(entries) {
  const byWord = new Map();
  const stems = [];
  const num = [];
  const any = [];
  for (const entry of entries) {
    if (entry.keys.any) any.push(entry);
    if (entry.keys.num) num.push(entry);
    for (const w of entry.keys.words) {
      if (!byWord.has(w)) byWord.set(w, []);
      byWord.get(w).push(entry);
    }
    for (const s of entry.keys.stems) stems.push([s, entry]);
  }
  // stems by their first letter, so a word is compared with a few of them only
  const stemsByFirst = new Map();
  for (const pair of stems) {
    if (!stemsByFirst.has(pair[0][0])) stemsByFirst.set(pair[0][0], []);
    stemsByFirst.get(pair[0][0]).push(pair);
  }
  return { byWord, stems: stemsByFirst, num, any, cache: new Map() };
}

const EMPTY = [];
/**
 * The phrases that can start at a word. Usually the index's own list for that word; when the
 * category also has phrases that start anywhere (with "~" or "…") or with a stem, the merged
 * list is remembered per word, since the same words come back in every text.
 */
function candidates(ix, tok) {
  const words = ix.byWord.get(tok.t) ?? EMPTY;
  if (!ix.any.length && !ix.stems.size && !(tok.num && ix.num.length)) return words; // the usual case
  const key = tok.num ? `#${tok.t}` : tok.t;
  let out = ix.cache.get(key);
  if (out) return out;
  const stems = ix.stems.get(tok.t[0])?.filter(([stem]) => tok.t.startsWith(stem)) ?? EMPTY;
  out = !ix.any.length && !stems.length && !(tok.num && ix.num.length) ? words
    : [...new Set([...ix.any, ...words, ...(tok.num ? ix.num : EMPTY), ...stems.map(([, e]) => e)])];
  if (ix.cache.size >= 20000) ix.cache.clear(); // a bound for very long or very varied texts
  ix.cache.set(key, out);
  return out;
}

/**
 * A matcher over one prepared text. ends(cat, i) is the set of token indices where a phrase of
 * the category, starting at token i, can end; remembered per text.
 */
export function textMatcher(lex, norm) {
  const tokens = tokensOf(norm);
  const memo = new Map(); // category → ends found at each token index

  function matchItems(items, from, k = 0) {
    // every end position of items[k..] starting at token "from"
    if (k === items.length) return [from];
    const item = items[k];
    let nexts = [];
    if (item.type === "lit") {
      const { words, stem } = item;
      let ok = from + words.length <= tokens.length;
      for (let w = 0; ok && w < words.length; w += 1) {
        const t = tokens[from + w].t;
        ok = stem && w === words.length - 1 ? t.startsWith(words[w]) : t === words[w];
      }
      if (ok) nexts = [from + words.length];
    } else if (item.type === "#") {
      if (tokens[from]?.num) nexts = [from + 1];
    } else if (item.type === "~") {
      const t = tokens[from];
      if (t?.letter && !lex.stopwords.has(t.t) && !(tokens[from + 1]?.t === "'" && lex.stopwords.has(`${t.t}'`))) {
        nexts = [from + 1];
      }
    } else if (item.type === "+") {
      if (tokens[from]?.letter) nexts = [from + 1];
    } else if (item.type === "…") {
      nexts = [from];
      let words = 0; // an elision's apostrophe is not a word ("ma voisine d'en face dit que")
      for (let j = from; words < 4 && j < tokens.length && !SENTENCE_PUNCT.has(tokens[j].t); j += 1) {
        if (tokens[j].t !== "'") words += 1;
        nexts.push(j + 1);
      }
    } else if (item.type === "alt") {
      nexts = item.alternatives.flatMap((a) => matchItems(a.items, from));
    } else if (item.type === "ref") {
      nexts = ends(lex.categories.get(item.name), from);
    }
    if (!nexts.length) return nexts;
    if (k === items.length - 1) return nexts;
    const out = [];
    for (const n of nexts) for (const e of matchItems(items, n, k + 1)) if (!out.includes(e)) out.push(e);
    return out;
  }

  const NONE = [];
  function ends(cat, i) {
    let seen = memo.get(cat);
    if (!seen) memo.set(cat, (seen = new Array(tokens.length + 1)));
    if (seen[i]) return seen[i];
    let out = NONE;
    if (i < tokens.length) {
      for (const entry of candidates(cat.index, tokens[i])) {
        for (const e of matchItems(entry.items, i)) {
          if (e > i && !out.includes(e)) out = out === NONE ? [e] : (out.push(e), out);
        }
      }
    }
    seen[i] = out;
    return out;
  }

  /**
   * Leftmost-longest matches of a category, [{start, end}] in normalised offsets, skipping those
   * inside an excluded span: a match ruled out at one word does not hide a good one at the next
   * ("the tram stop" is generic, "tram stop Micropolis" is a named stop).
   */
  function scan(cat, blocked = []) {
    const found = [];
    for (let i = 0; i < tokens.length; i += 1) {
      if (!tokens[i].word) continue;
      const start = tokens[i].start;
      const ok = ends(cat, i).filter((e) => !blocked.some((b) => b.start <= start && tokens[e - 1].end <= b.end));
      const best = Math.max(0, ...ok);
      if (best > i) {
        found.push({ start, end: tokens[best - 1].end });
        i = best - 1;
      }
    }
    return found;
  }

  /** Every match of a category outside its exclusions ("la blanche" holds "blanche"). */
  function find(name) {
    const cat = lex.categories.get(name);
    if (!cat) throw new Error(`lexicon ${lex.lang}: no category ${name}`);
    const exclude = lex.excludes.get(name);
    return scan(cat, exclude ? scan(exclude) : []);
  }

  return { find, tokens };
}

/** The lookup tables text.js needs, with their keys normalised as the text will be. */
function tables(data) {
  const raw = {
    lang: data.lang,
    elisions: new Set(data.elisions ?? []),
    looseElisions: new Set(data.looseElisions ?? []),
    buildingWords: new Set(data.buildingWords ?? []),
    abbreviations: data.abbreviations ?? {},
    accented: data.accented ?? {},
    looseWords: data.looseWords ?? {},
    guardedAbbreviations: data.guardedAbbreviations ?? {},
    numberSuffixes: new Set(data.numberSuffixes ?? []),
    numbers: new Map(Object.entries(data.numbers ?? {})),
    ambiguousNumbers: new Set(data.ambiguousNumbers ?? []),
    numberUnits: new Set(data.numberUnits ?? []),
    numberJoiners: new Set(data.numberJoiners ?? []),
    numberJoinable: new Set(data.numberJoinable ?? []),
    sms: new Map(),
    stopwords: new Set(),
    unknown: new Set(),
  };
  // SMS keys are matched on token texts: "y'a" is "y" "'" "a", "y a" is "y" "a" with a space
  const bare = { ...raw, sms: new Map(), abbreviations: {}, guardedAbbreviations: {}, numbers: new Map(),
    elisions: new Set() };
  for (const [key, to] of Object.entries(data.sms ?? {})) raw.sms.set(prepare(key, bare).norm, to);
  for (const word of data.stopwords ?? []) raw.stopwords.add(prepare(word, bare).norm);
  for (const answer of data.unknown ?? []) raw.unknown.add(prepare(answer, raw).norm.trim());
  return raw;
}
