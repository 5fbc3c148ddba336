// French number plates in what people type: SIV (AB-123-CD, since 2009) and FNI (1234 AB 25,
// before), with dashes, spaces, dots or nothing between the groups, full or partial ("AB-1?3-C?",
// "FC-?44-??", "EF-119-Z"). Read on the original text, where capitals and dashes tell a plate
// from ordinary words: "et 123 km" is not a plate, "ET-123-KM" is.
//
// findPlates(text, { context }) → [{ start, end, full }]
//   context: the sentence speaks of a plate or a vehicle, so lower-case spaced groups count too.

const SEP = "[\\s.\\-–]?";
const B = "(?<![\\p{L}\\p{N}?*_])";
const E = "(?![\\p{L}\\p{N}?*_])";
const SIV = new RegExp(`${B}([A-Za-z]{2})(${SEP})(\\d{3})(${SEP})([A-Za-z]{2})${E}`, "gu");
const FNI = new RegExp(`${B}(\\d{1,4})(${SEP})([A-Za-z]{1,3})(${SEP})(\\d{2}|2[ABab]|97\\d)${E}`, "gu");
// partial: unknown characters as ?, *, _ (or x/X in a digit group), or a group cut short
const UNKNOWN = "[?*_]";
const L = `(?:[A-Za-z]|${UNKNOWN})`;
const D = `(?:\\d|${UNKNOWN}|[xX])`;
const SIV_PARTIAL = new RegExp(`${B}(${L}{2})${SEP}(${D}{1,3})(?:${SEP}(${L}{0,2}))?${E}`, "gu");
const FNI_PARTIAL = new RegExp(`${B}(${D}{1,4})${SEP}(${L}{1,3})${SEP}(${D}{0,2})${E}`, "gu");

// letter groups that are units or words, never plates ("18 h 30", "1 m 80", "10 min 20")
const NOT_LETTERS = new Set(["h", "m", "mn", "min", "km", "cm", "kg", "g", "j", "e", "er", "eme", "x", "ans", "an",
  "et", "ou", "de", "du", "la", "le", "en", "au", "a", "pm", "am", "hr", "hrs", "ft", "to", "or", "and", "ter", "bis",
  "th", "st", "nd", "rd", "s", "mm", "cl", "ml", "l", "t", "mo", "go", "k", "rn", "n", "d", "tram", "t", "bus"]);

const isUpper = (s) => s === s.toUpperCase() && /[A-Z]/.test(s);
const known = (s) => (s.match(/[A-Za-z0-9]/g) ?? []).length;

function overlaps(list, start, end) {
  return list.some((p) => start < p.end && p.start < end);
}

export function findPlates(text, { context = false } = {}) {
  const out = [];
  for (const m of text.matchAll(SIV)) {
    const [whole, a, s1, , s2, b] = m;
    const dashed = s1 === "-" && s2 === "-";
    const glued = !s1 && !s2;
    if (!(isUpper(a + b) || dashed || glued || context)) continue;
    if (!context && (NOT_LETTERS.has(a.toLowerCase()) || NOT_LETTERS.has(b.toLowerCase())) && !isUpper(a + b)) continue;
    out.push({ start: m.index, end: m.index + whole.length, full: true });
  }
  for (const m of text.matchAll(FNI)) {
    const [whole, , , letters] = m;
    if (NOT_LETTERS.has(letters.toLowerCase())) continue;
    if (!(isUpper(letters) || context)) continue;
    if (!overlaps(out, m.index, m.index + whole.length)) out.push({ start: m.index, end: m.index + whole.length, full: true });
  }
  for (const re of [SIV_PARTIAL, FNI_PARTIAL]) {
    for (const m of text.matchAll(re)) {
      const whole = m[0];
      const start = m.index;
      const end = start + whole.trimEnd().length;
      if (overlaps(out, start, end)) continue;
      // "x" stands for a digit only among digits, not in words ("dix", "max", "Saxo"),
      // and in a full group of three ("GH-2x8"), not in a model ("BMW X5")
      const hasUnknown = /[?*_]/.test(whole) ||
        (re === SIV_PARTIAL && /[xX]/.test(m[2] ?? "") && /\d/.test(m[2] ?? "") && (m[2] ?? "").length === 3);
      const groups = m.slice(1).filter((g) => g);
      const letterGroup = groups.find((g) => /[A-Za-z]/.test(g)) ?? "";
      // a cut group ("EF-119-Z", "GH-218") is a plate only if written like one, or said to be one
      const cut = !hasUnknown && /-/.test(whole) && isUpper(letterGroup) && known(whole) >= 5;
      // said to be a plate: letters and digits as written on one ("GA 18", not "BM X5")
      const plain = groups.every((g) => /^[A-Za-z]+$/.test(g) || /^\d+$/.test(g));
      if (!(hasUnknown || cut || (context && plain && known(whole) >= 4 && isUpper(letterGroup)))) continue;
      if (known(whole) < 2 || NOT_LETTERS.has(letterGroup.toLowerCase())) continue;
      out.push({ start, end, full: false });
    }
  }
  return out.sort((x, y) => x.start - y.start);
}

/** A plate typed in its own field: full if it reads as one, partial if anything is known. */
export function plateField(value) {
  const text = String(value ?? "").trim();
  if (!text) return null;
  const plates = findPlates(text, { context: true });
  if (plates.some((p) => p.full)) return { full: true };
  if (plates.length || known(text) >= 2) return { full: false };
  return null;
}
