// The coach on sentences written the way citizens type them on a phone. (The measured
// behaviour on the labelled corpus is in evaluation.test.js; these pin down each rule.)
import { describe, expect, it } from "vitest";
import { assessReport, CHECK_IDS, COACH_MESSAGES, isEmptyReport } from "../../../pwa/src/coach/coach.js";
import { analyse, lexiconFor, LEXICONS } from "../../../pwa/src/coach/analyse.js";
import { detectLanguage } from "../../../pwa/src/coach/language.js";
import shared from "../../../pwa/src/coach/lexicon/shared.js";
import { findPlates, plateField } from "../../../pwa/src/coach/plates.js";
import { prepare } from "../../../pwa/src/coach/text.js";

const empty = () => ({ place: { text: "", position: null }, when: {}, people: [], vehicles: [], risks: {}, details: "", contact: {} });
const draft = (patch) => ({ ...empty(), ...patch });
const free = (details) => draft({ details });
const status = (result, id) => result.checks.find((c) => c.id === id).status;
const statuses = (result) => Object.fromEntries(result.checks.map((c) => [c.id, c.status]));
const kinds = (result) => result.flags.map((f) => `${f.kind}:${f.phrase}`);
const norm = (text) => prepare(text, lexiconFor("fr")).norm;

describe("phone French, normalised", () => {
  it("expands SMS spellings, street abbreviations and number words, and drops accents", () => {
    expect(norm("tjrs ds le hall, ya bcp de monde qd jsuis la")).toBe("toujours dans le hall, il y a beaucoup de monde quand je suis la");
    expect(norm("au 14ter r. de l’Église, imp. des Roses, bd Carnot, av Foch, rte de Gray, all. des Pins, chem. du Fort"))
      .toBe("au 14 ter rue de l'eglise, impasse des roses, boulevard carnot, avenue foch, route de gray, allee des pins, chemin du fort");
    expect(norm("vers dix-huit heures trente, vingt et une heures, quatre-vingt-douze")).toBe("vers 18 heures 30, 21 heures, 92");
    expect(norm("chui devant, jme gare, aprem, tlj, pk")).toBe("je suis devant, je me gare, apres midi, tous les jours, pourquoi");
  });

  it("keeps the apostrophe people forget, but not in building letters", () => {
    expect(norm("j ai vu l entree")).toBe("j'ai vu l'entree");
    expect(norm("bat c entree 2, bat d en face")).toBe("batiment c entree 2, batiment d en face");
  });

  it("does not read articles or adjectives as numbers", () => {
    expect(norm("un mec, une voiture neuve, neuf heures, une heure du matin")).toBe("un mec, une voiture neuve, 9 heures, 1 heure du matin");
  });

  it("maps every normalised character back to what was typed", () => {
    const typed = "Ça se passe au 14ter bd Kennedy 😀 tjrs";
    const p = prepare(typed, lexiconFor("fr"));
    const at = p.norm.indexOf("boulevard");
    expect(typed.slice(p.start[at], p.end[at + "boulevard kennedy".length - 1])).toBe("bd Kennedy");
    const t = p.norm.indexOf("toujours");
    expect(typed.slice(p.start[t], p.end[t + 7])).toBe("tjrs");
  });
});

describe("number plates", () => {
  const plates = (text, context = false) => findPlates(text, { context }).map((p) => [text.slice(p.start, p.end), p.full]);

  it("reads SIV and FNI plates with dashes, spaces or nothing", () => {
    expect(plates("une Clio GH-218-KP garée")).toEqual([["GH-218-KP", true]]);
    expect(plates("immat gh 218 kp", true)).toEqual([["gh 218 kp", true]]);
    expect(plates("plaque GH218KP")).toEqual([["GH218KP", true]]);
    expect(plates("vieille 205, 4521 ZX 25")).toEqual([["4521 ZX 25", true]]);
    expect(plates("Corse : 123 AB 2A")).toEqual([["123 AB 2A", true]]);
  });

  it("reads partial plates with unknown characters or a group cut short", () => {
    expect(plates("AB-1?3-C? je crois")).toEqual([["AB-1?3-C?", false]]);
    expect(plates("plaque FC-?44-??")).toEqual([["FC-?44-??", false]]);
    expect(plates("plaque EF-119-Z et rien d'autre")).toEqual([["EF-119-Z", false]]);
    expect(plateField("GA 18? ??")).toEqual({ full: false });
    expect(plateField("immat suisse VD")).toEqual({ full: false });
    expect(plateField("ER-284-LK")).toEqual({ full: true });
    expect(plateField("pas vue")).toEqual({ full: false }); // the field is read as a plate; "unknown" is the analysis's job
  });

  it("does not take times, heights, door codes, phone numbers or words for plates", () => {
    for (const text of ["vers 18 h 30", "il fait 1 m 80", "le code est 2580B", "appelle le 06 12 34 56 78",
      "et 123 km plus loin", "bus 12, ligne T1, la RN57 puis l'A36", "il était dix heures max", "une Saxo",
      "une BM X5 noire", "Peugeot 3008 grise"]) {
      expect(plates(text), text).toEqual([]);
    }
  });
});

describe("the checklist reads the free text", () => {
  it("finds place, time, frequency, vehicle and plate in one line of free text", () => {
    const r = assessReport(free("devant le 12 av. de la Paix, tlj de 17h a 1h, une 3008 grise FK-372-RD, j'ai filmé de loin"));
    expect(statuses(r)).toMatchObject({ place: "present", time: "present", frequency: "present", vehicles: "present",
      plate: "present", evidence: "present" });
    expect(r.level).toBe(3);
  });

  it("tells a district or a bare building from a findable place", () => {
    expect(status(assessReport(free("ça deale à la Grette")), "place")).toBe("partial");
    expect(status(assessReport(free("au pied de la tour 3")), "place")).toBe("partial");
    expect(status(assessReport(free("hall 3 de la résidence des Glacis")), "place")).toBe("present");
    expect(status(assessReport(free("parking du Lidl, au fond")), "place")).toBe("present");
  });

  it("counts visible details of people, not the number of boxes", () => {
    expect(status(assessReport(free("un mec en doudoune rouge, grand, barbe")), "people")).toBe("present");
    expect(status(assessReport(free("des jeunes")), "people")).toBe("partial");
    const boxes = draft({ people: [{ clothing: "jogging gris, casquette Nike", height: "jsp", signs: "?" }] });
    expect(status(assessReport(boxes), "people")).toBe("present");
    expect(status(assessReport(draft({ people: [{ clothing: "?", height: "jsp" }] })), "people")).toBe("missing");
  });

  it("recognises typed evidence, not only attachments", () => {
    expect(status(assessReport(free("il sort des pochons de sa banane")), "evidence")).toBe("present");
    expect(status(assessReport(free("une liasse de billets passe par la fenêtre")), "evidence")).toBe("present");
    expect(status(assessReport(free("échanges de main à main")), "evidence")).toBe("partial");
    expect(status(assessReport(free("ça pue le shit dans l'escalier")), "evidence")).toBe("partial"); // a smell
    expect(status(assessReport(empty(), { attachmentsCount: 1 }), "evidence")).toBe("present");
  });

  it("reads the risk boxes", () => {
    expect(status(assessReport(draft({ risks: { children: true } })), "risks")).toBe("present");
  });

  it("hints at what to add for every item not present, in both languages", () => {
    const r = assessReport(free("vers la gare"));
    for (const c of r.checks) {
      expect(c.hintKey === null).toBe(c.status === "present");
      if (c.hintKey) {
        expect(COACH_MESSAGES.fr[c.hintKey], c.hintKey).toBeTruthy();
        expect(COACH_MESSAGES.en[c.hintKey], c.hintKey).toBeTruthy();
      }
    }
    expect(r.checks.find((c) => c.id === "place").hintKey).toBe("hint_place_partial_generic");
  });
});

describe("the level", () => {
  it("an empty report is level 0 and is empty", () => {
    const r = assessReport(empty());
    expect(r.level).toBe(0);
    expect(r.missing).toEqual(CHECK_IDS);
    expect(isEmptyReport(empty())).toBe(true);
    expect(isEmptyReport(draft({ details: " ... !! ", risks: { children: true }, contact: { phone: "0612345678" } }))).toBe(true);
    expect(isEmptyReport(draft({ details: "x" }))).toBe(false);
    expect(isEmptyReport(empty(), { attachmentsCount: 1 })).toBe(false);
  });

  it("hearsay and speculation keep the facts on the checklist but not in the level", () => {
    const told = assessReport(free("d'après mon beau-frère ça vend au 3 rue Pasteur tous les soirs à 21h"));
    expect(status(told, "place")).toBe("present");
    expect(told.level).toBeLessThanOrEqual(1);
    const seen = assessReport(free("ça vend au 3 rue Pasteur tous les soirs à 21h"));
    expect(seen.level).toBe(3);
  });

  it("impressions alone never rise above 'not very precise'", () => {
    expect(assessReport(free("à tous les coups c'est un point de deal, c'est clair, ça sent le trafic")).level).toBeLessThanOrEqual(1);
  });

  it("'je pense' in a precise report is not speculation", () => {
    const r = assessReport(free("Je pense qu'il mesure 1m85, veste kaki, il vend devant le 4 rue Battant tous les jours à 17h"));
    expect(r.flags).toEqual([]);
    expect(r.level).toBe(3);
  });
});

describe("danger now", () => {
  const danger = (text) => assessReport(free(text)).danger.triggers.map((t) => t.kind);

  it("reacts to threats against the witness, weapons, children at risk and dangerous dogs", () => {
    expect(danger("ils savent où j'habite")).toContain("threat");
    expect(danger("on va te retrouver, m'a dit le grand")).toContain("threat");
    expect(danger("des collégiens achètent à la sortie")).toContain("children");
    expect(danger("un pitbull sans muselière garde l'entrée")).toContain("animal");
    expect(danger("il a sorti une machette")).toContain("weapon");
    expect(danger("ils m'ont dit qu'ils allaient me casser les jambes")).toContain("threat");
    expect(danger("ils savent où je bosse")).toContain("threat");
    expect(danger("il a un 9mm dans la sacoche")).toContain("weapon");
    expect(danger("des petits de primaire font le guet")).toContain("children");
    expect(danger("on m'a proposé de faire nourrice")).toContain("threat"); // recruiting the witness
  });

  it("in English too, whatever the interface's language", () => {
    expect(danger("he pulled a knife and threatened me")).toEqual(expect.arrayContaining(["weapon", "threat"]));
    expect(danger("they know where I live")).toContain("threat");
    expect(danger("kids from the primary school buy from him")).toContain("children");
  });

  it("reacts to a ticked box, with the box as the field", () => {
    const r = assessReport(draft({ risks: { weapons: true } }));
    expect(r.danger).toEqual({ active: true, triggers: [{ field: "risks.weapons", kind: "weapon", phrase: "" }] });
  });

  it("stays quiet on words that only look dangerous", () => {
    for (const text of ["armé de patience j'attends", "mes enfants sont grands maintenant", "un pistolet à eau traîne", "je promène mon chien le soir",
      "des coups de fil toute la journée", "il a frappé à la porte trois coups"]) {
      expect(danger(text), text).toEqual([]);
    }
  });
});

describe("flags", () => {
  it("flags speculation, judgements and hearsay, with the phrase as typed", () => {
    expect(kinds(assessReport(free("C'est clair qu'ils dealent, des mecs chelous")))).toEqual(
      ["vague:C'est clair qu'", "vague:chelous"]);
    expect(kinds(assessReport(free("on m'a raconté que le boucher vend")))).toEqual(["hearsay:on m'a raconté"]);
  });

  it("flags supposed origin about people, not colours of clothes, cars or cocaine", () => {
    expect(kinds(assessReport(free("deux Albanais et un mec typé")))).toEqual(["stereotype:deux Albanais", "stereotype:mec typé"]);
    expect(kinds(assessReport(free("habillé tout en noir, doudoune blanche, il vend de la blanche près du restaurant turc, une Golf noire"))))
      .toEqual([]);
    expect(kinds(assessReport(draft({ vehicles: [{ plate: "plaque belge" }] })))).toEqual([]);
    expect(kinds(assessReport(free("une BM X5 noire, 2 hommes blancs")))).toEqual(["stereotype:hommes blancs"]);
  });

  it("warns about details that identify the witness: home, family, routine", () => {
    expect(kinds(assessReport(free("ma fille va à l'école juste en face"))).map((k) => k.split(":")[0])).toContain("self");
    expect(kinds(assessReport(free("jme gare à côté d'eux tous les soirs")))).toContain("self:jme gare");
    expect(kinds(assessReport(free("from my balcony I see them"))).map((k) => k.split(":")[0])).toContain("self");
  });
});

describe("languages", () => {
  it("are detected per text, and a short text follows the rest of the draft", () => {
    expect(detectLanguage("they sell in front of the school", LEXICONS)).toBe("en");
    expect(detectLanguage("ils vendent devant l'école", LEXICONS)).toBe("fr");
    expect(detectLanguage("1m80, Clio", LEXICONS)).toBe(null);
    const mixed = analyse(draft({ details: "the guy sells every evening", people: [{ clothing: "veste rouge" }] }));
    expect(mixed.texts.map((t) => t.languages)).toEqual([["en"], ["en"]]);
  });

  it("the two lexicons have the same categories, and are data only", () => {
    // a language may add to a shared list (French "seat", "smart"), not invent categories
    const names = (lex) => Object.keys(lex.categories).filter((k) => !(k in shared)).sort();
    expect(names(LEXICONS.en)).toEqual(names(LEXICONS.fr));
    const noCode = (value) => (typeof value === "function" ? false
      : Array.isArray(value) ? value.every(noCode)
        : value && typeof value === "object" ? Object.values(value).every(noCode) : true);
    for (const data of [LEXICONS.fr, LEXICONS.en, shared]) expect(noCode(data)).toBe(true);
  });
});

describe("messages", () => {
  it("every key the coach can produce has French and English text", () => {
    expect(Object.keys(COACH_MESSAGES.en).sort()).toEqual(Object.keys(COACH_MESSAGES.fr).sort());
    const keys = ["level_0", "level_1", "level_2", "level_3"];
    for (const id of CHECK_IDS) keys.push(`check_${id}`, `hint_${id}_missing`, id === "place" ? "hint_place_partial_generic" : `hint_${id}_partial`);
    for (const reason of ["district", "building", "generic", "position"]) keys.push(`hint_place_partial_${reason}`);
    for (const f of ["speculation", "judgement", "hearsay", "generalisation", "stereotype", "self"]) keys.push(`msg_${f}`, `sug_${f}`);
    for (const k of ["children", "weapon", "threat", "violence", "animal", "syringes"]) keys.push(`danger_${k}`);
    for (const key of keys) {
      expect(COACH_MESSAGES.fr[key], key).toBeTruthy();
      expect(COACH_MESSAGES.en[key], key).toBeTruthy();
    }
    expect(COACH_MESSAGES.fr.danger_text).toMatch(/17/);
    expect(COACH_MESSAGES.fr.danger_safety).toMatch(/Ne vous mettez pas en danger/);
  });
});

describe("stays on the phone", () => {
  it("no coach module can send anything: no network call, no storage, no other module", async () => {
    const { readdirSync, readFileSync, statSync } = await import("node:fs");
    const path = await import("node:path");
    const { fileURLToPath } = await import("node:url");
    const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../pwa/src/coach");
    const files = readdirSync(dir, { recursive: true }).filter((f) => f.endsWith(".js") && statSync(path.join(dir, f)).isFile());
    expect(files.length).toBeGreaterThan(10);
    for (const f of files) {
      const source = readFileSync(path.join(dir, f), "utf8");
      expect(source, f).not.toMatch(/\bfetch\s*\(|XMLHttpRequest|sendBeacon|WebSocket|EventSource|indexedDB|localStorage|postMessage/);
      for (const m of source.matchAll(/\bfrom\s+"([^"]+)"/g)) expect(m[1], `${f} imports ${m[1]}`).toMatch(/^\.\.?\//);
      for (const m of source.matchAll(/\bfrom\s+"(\.\.\/[^"]+)"/g)) {
        expect(path.resolve(dir, path.dirname(f), m[1]).startsWith(dir), `${f} imports outside coach/`).toBe(true);
      }
    }
  });
});
