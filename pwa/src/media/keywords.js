// What a block of metadata we drop talked about, found by its tag names: XMP packets, PNG
// text, the user-data and metadata boxes of videos. It only chooses the words shown to the
// citizen ("position GPS retirée"); the block goes whatever it holds. Names, not values, are
// matched, so a match means the tag was there.
import { latin1 } from "./bytes.js";

const RULES = [
  // ©xyz and loci: QuickTime/3GPP location atoms; ISO6709 and "location": Apple's keys.
  ["gps", /GPS|\u00a9xyz|loci|ISO6709|[Ll]ocation/],
  ["make_model", /\u00a9mak|\u00a9mod|[Mm]ake|[Mm]odel/],
  ["datetime", /\u00a9day|[Dd]ate|[Tt]ime[Ss]tamp/],
  ["software", /\u00a9swr|\u00a9too|[Ss]oftware|CreatorTool|[Ee]ncoder/],
  ["serial", /[Ss]erial/],
  ["owner", /\u00a9ART|\u00a9aut|[Aa]uthor|[Aa]rtist|[Cc]opyright|[Cc]reator(?!Tool)|[Oo]wner|By-line/],
  // Every XMP packet has rdf:Description elements: they are structure, not a description.
  ["comment", /\u00a9cmt|\u00a9des|[Cc]omment|(?<!rdf:)[Dd]escription|[Cc]aption/],
  ["thumbnail", /thmb|[Tt]humbnail|covr|PICT/],
];

/** The keys (labels.js) whose tag names appear in `bytes`. */
export function keywordKeys(bytes) {
  const text = latin1(bytes);
  return RULES.filter(([, pattern]) => pattern.test(text)).map(([key]) => key);
}
