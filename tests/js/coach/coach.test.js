// The coach's rules on real French sentences, the way citizens write them.
import { describe, expect, it } from "vitest";
import { assessReport, COACH_MESSAGES, findFlags, normalise, plateInfo } from "../../../pwa/src/coach/coach.js";
import { RULES } from "../../../pwa/src/coach/rules.js";

const empty = () => ({ place: { text: "", position: null }, when: {}, people: [], vehicles: [], risks: {}, details: "", contact: {} });
const draft = (patch) => ({ ...empty(), ...patch });
const status = (result, id) => result.checks.find((c) => c.id === id).status;
const kinds = (d) => findFlags(d).map((f) => `${f.kind}:${f.phrase}`);

describe("checklist", () => {
  it("an empty report misses everything and sits at level 0", () => {
    const r = assessReport(empty());
    expect(r.level).toBe(0);
    expect(r.levelKey).toBe("level_0");
    expect(r.missing).toEqual(["place", "time", "person", "vehicle", "evidence"]);
    expect(r.flags).toEqual([]);
  });

  it("a precise place names a street, an entrance or a number", () => {
    for (const text of ["12 rue des Lilas, devant l'entrée B", "place de l'Europe, côté parking", "Devant la pharmacie de l'avenue Carnot",
      "hall du bâtiment C, résidence les Tilleuls"]) {
      expect(status(assessReport(draft({ place: { text } })), "place"), text).toBe("present");
    }
  });

  it("a district alone is only partial", () => {
    for (const text of ["dans le quartier", "à la cité", "Planoise"]) {
      expect(status(assessReport(draft({ place: { text } })), "place"), text).toBe("partial");
    }
  });

  it("the current position counts as a place, better with words", () => {
    const position = { latitude: 47.2, longitude: 6.0, accuracy_m: 10 };
    expect(status(assessReport(draft({ place: { text: "", position } })), "place")).toBe("partial");
    expect(status(assessReport(draft({ place: { text: "sous le porche", position } })), "place")).toBe("present");
  });

  it("time: a date seen or a frequency with hours is present; a vague frequency is partial", () => {
    expect(status(assessReport(draft({ when: { seen_at: "2026-11-27T19:10" } })), "time")).toBe("present");
    expect(status(assessReport(draft({ when: { frequency: "tous les soirs entre 18h et 20h" } })), "time")).toBe("present");
    expect(status(assessReport(draft({ when: { frequency: "du lundi au vendredi 17:30-21:00" } })), "time")).toBe("present");
    expect(status(assessReport(draft({ when: { frequency: "le soir" } })), "time")).toBe("partial");
    expect(status(assessReport(draft({ when: { frequency: "tout le temps" } })), "time")).toBe("partial");
  });

  it("people: two concrete details make a description", () => {
    const one = draft({ people: [{ clothing: "veste noire" }] });
    const two = draft({ people: [{ clothing: "veste noire, casquette rouge", height: "1m80" }] });
    expect(status(assessReport(one), "person")).toBe("partial");
    expect(status(assessReport(two), "person")).toBe("present");
  });

  it("vehicles: a plate, even partial, is enough", () => {
    expect(plateInfo("AB-1?3-C?")).toEqual({ known: 5, partial: true });
    expect(plateInfo("AB-123-CD")).toEqual({ known: 7, partial: false });
    expect(status(assessReport(draft({ vehicles: [{ plate: "AB-1?3-C?" }] })), "vehicle")).toBe("present");
    expect(status(assessReport(draft({ vehicles: [{ plate: "?" }] })), "vehicle")).toBe("missing");
    expect(status(assessReport(draft({ vehicles: [{ colour: "grise" }] })), "vehicle")).toBe("partial");
    expect(status(assessReport(draft({ vehicles: [{ type: "scooter", colour: "noir" }] })), "vehicle")).toBe("present");
  });

  it("evidence counts the sealed attachments", () => {
    expect(status(assessReport(empty(), { attachmentsCount: 0 }), "evidence")).toBe("missing");
    expect(status(assessReport(empty(), { attachmentsCount: 2 }), "evidence")).toBe("present");
  });

  it("the article's model report reaches the top level", () => {
    const r = assessReport(draft({
      place: { text: "place de l'Europe, devant le bâtiment X, côté parking" },
      when: { seen_at: "2026-11-27T19:10", frequency: "tous les soirs entre 18:00 et 20:00" },
      people: [{ clothing: "veste noire, casquette rouge", height: "environ 1,80 m", signs: "boite légèrement" }],
      vehicles: [{ type: "berline", colour: "grise", make: "Peugeot", plate: "AB-1?3-C?" }],
    }), { attachmentsCount: 1 });
    expect(r.level).toBe(3);
    expect(r.missing).toEqual([]);
    expect(r.flags).toEqual([]);
  });

  it("vague wording keeps an otherwise complete report below the top level", () => {
    const r = assessReport(draft({
      place: { text: "12 rue des Lilas, devant l'entrée B" },
      when: { seen_at: "2026-11-27T19:10" },
      people: [{ clothing: "survêtement gris", height: "petit" }],
      details: "ça sent le trafic",
    }), { attachmentsCount: 1 });
    expect(r.level).toBe(2);
  });

  it("hints exist only for what is not present, and never block (no error level)", () => {
    const r = assessReport(draft({ place: { text: "12 rue des Lilas" } }));
    for (const c of r.checks) expect(c.hintKey === null).toBe(c.status === "present");
  });
});

describe("flags on real sentences", () => {
  it("flags the article's vague phrases with a suggestion of what to observe", () => {
    expect(kinds(draft({ details: "Ça sent le trafic dans ma rue depuis des mois" }))).toContain("vague:Ça sent le trafic");
    expect(kinds(draft({ details: "Il y a des groupes suspects le soir" }))).toEqual(["vague:des groupes suspects"]);
    expect(kinds(draft({ details: "des jeunes qui traînent devant le hall" }))).toEqual(["vague:des jeunes qui traînent"]);
    expect(kinds(draft({ details: "un type louche fait des allers-retours" }))).toEqual(["vague:louche"]);
    expect(kinds(draft({ details: "Tout le monde sait que ça deale là-bas" })))
      .toEqual(["vague:Tout le monde sait", "vague:ça deale"]);
    const flag = findFlags(draft({ details: "des groupes suspects" }))[0];
    expect(flag).toMatchObject({ field: "details", messageKey: "msg_vague_group", suggestionKey: "sug_group" });
  });

  it("a vague frequency or place is flagged in its field only", () => {
    expect(kinds(draft({ when: { frequency: "tout le temps, jour et nuit" } })))
      .toEqual(["vague:tout le temps", "vague:jour et nuit"]);
    expect(kinds(draft({ place: { text: "Partout dans le quartier" } }))).toEqual(["vague:Partout", "vague:dans le quartier"]);
    expect(kinds(draft({ people: [{ role: "souvent là" }] }))).toEqual([]);
  });

  it("flags supposed origin but not clothing or vehicle colours", () => {
    expect(kinds(draft({ people: [{ signs: "un noir assez grand" }] }))).toEqual(["stereotype:un noir"]);
    expect(kinds(draft({ people: [{ signs: "type maghrébin" }] }))).toEqual(["stereotype:type maghrébin"]);
    expect(kinds(draft({ people: [{ signs: "jeune typé" }] }))).toEqual(["stereotype:typé"]);
    expect(kinds(draft({ details: "des Arabes et des blacks au pied de l'immeuble" })))
      .toEqual(["stereotype:Arabes", "stereotype:blacks"]);
    // what can be seen is welcome
    expect(kinds(draft({ people: [{ clothing: "veste noire, jogging blanc, casquette noire", signs: "cheveux noirs, tatouage au cou" }] })))
      .toEqual([]);
    expect(kinds(draft({ vehicles: [{ type: "voiture", colour: "noire" }] }))).toEqual([]);
    expect(kinds(draft({ details: "il vend de la blanche et de la beuh" }))).toEqual([]);
    expect(kinds(draft({ vehicles: [{ type: "type utilitaire" }] }))).toEqual([]);
  });

  it("danger now comes first and points to 17", () => {
    const flags = findFlags(draft({ details: "Des groupes suspects. L'un d'eux a une arme et ils m'ont menacé hier" }));
    expect(flags[0]).toMatchObject({ kind: "urgent", phrase: "arme", messageKey: "msg_urgent" });
    expect(flags.map((f) => f.kind)).toEqual(["urgent", "urgent", "vague"]);
    expect(flags[1].phrase).toBe("m'ont menacé");
    expect(COACH_MESSAGES.fr.msg_urgent).toMatch(/17/);
    expect(kinds(draft({ risks: { details: "coups de feu la nuit dernière" } }))).toEqual(["urgent:coups de feu"]);
    expect(kinds(draft({ details: "ils me suivent quand je rentre" }))).toEqual(["urgent:ils me suivent"]);
  });

  it("warns when the citizen gives away who they are", () => {
    expect(kinds(draft({ place: { text: "en bas de chez moi, 3 rue Pasteur" } }))).toEqual(["self:chez moi"]);
    expect(kinds(draft({ details: "J'habite au 2e, je les vois de ma fenêtre" })))
      .toEqual(["self:J'habite", "self:ma fenêtre"]);
    expect(kinds(draft({ details: "Je m’appelle Karim" }))).toEqual(["self:Je m’appelle"]);
  });

  it("a concrete report raises no flag", () => {
    expect(kinds(draft({
      place: { text: "Devant l'entrée B du 12 rue des Lilas" },
      when: { frequency: "tous les soirs de 18 h à 20 h" },
      people: [{ clothing: "doudoune bleue", height: "1,70 m", role: "guetteur, siffle quand une voiture arrive" }],
      details: "Des voitures s'arrêtent deux minutes, le conducteur donne un billet et repart avec un petit sachet.",
    }))).toEqual([]);
  });

  it("keeps the phrase as written, accents and case included", () => {
    expect(normalise("Ça Sent Été’")).toBe("ca sent ete'");
    expect(normalise("x😀y").length).toBe("x😀y".length);
    const [flag] = findFlags(draft({ details: "😀 Ça sent le trafic" }));
    expect(flag.phrase).toBe("Ça sent le trafic");
  });
});

describe("messages", () => {
  it("every key the coach can produce has French and English text", () => {
    const keys = new Set(["level_0", "level_1", "level_2", "level_3"]);
    for (const id of ["place", "time", "person", "vehicle", "evidence"]) {
      keys.add(`check_${id}`);
      keys.add(`hint_${id}_missing`);
      if (id !== "evidence") keys.add(`hint_${id}_partial`);
    }
    for (const rule of RULES) { keys.add(rule.messageKey); keys.add(rule.suggestionKey); }
    for (const key of keys) {
      expect(COACH_MESSAGES.fr[key], key).toBeTruthy();
      expect(COACH_MESSAGES.en[key], key).toBeTruthy();
    }
    expect(Object.keys(COACH_MESSAGES.en).sort()).toEqual(Object.keys(COACH_MESSAGES.fr).sort());
  });
});
