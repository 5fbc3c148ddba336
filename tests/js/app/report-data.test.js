// From the form to the report the phone encrypts (docs/report.md): names like "people.0.clothing"
// become nested objects, empty values are left out, contact details only when asked for.
import { describe, expect, it } from "vitest";
import { buildReport, readForm, writeForm } from "../../../pwa/src/app/report-data.js";
import { assessReport } from "../../../pwa/src/coach/coach.js";

const input = (name, value, type = "text") => ({ name, value, type, checked: type === "checkbox" ? value : undefined });
const form = (...elements) => ({ elements: [...elements, { name: "", type: "submit", value: "" }] });

describe("readForm", () => {
  it("nests names, keeps the repeatable groups in order and drops removed ones", () => {
    const draft = readForm(form(
      input("place.text", " 12 rue des Lilas "),
      input("people.0.clothing", "veste noire"),
      input("people.2.height", "1,80 m"), // group 1 was removed by the citizen
      input("vehicles.0.plate", "AB-1?3-C?"),
      input("risks.children", true, "checkbox"),
      input("risks.weapons", false, "checkbox"),
      input("details", "échanges rapides"),
    ), { position: { latitude: 47.2, longitude: 6.0, accuracy_m: 12 } });
    expect(draft.place).toEqual({ text: " 12 rue des Lilas ", position: { latitude: 47.2, longitude: 6.0, accuracy_m: 12 } });
    expect(draft.people).toEqual([{ clothing: "veste noire" }, { height: "1,80 m" }]);
    expect(draft.vehicles).toEqual([{ plate: "AB-1?3-C?" }]);
    expect(draft.risks).toEqual({ children: true, weapons: false });
  });
});

describe("buildReport", () => {
  const mailbox = { id: "ab".repeat(16), x25519: "x", ed25519: "e" };
  const entries = [{ part: 1, name: "IMG_2041.jpg", media_type: "image/jpeg", length: 10, sha256: "s", header_hash: "h", removed: ["gps"] }];
  const now = new Date(2026, 10, 28, 18, 42, 5);

  it("leaves out what is empty, trims, and keeps the manifest and mailbox", () => {
    const draft = readForm(form(
      input("place.text", " place de l'Europe "), input("when.seen_at", ""), input("when.frequency", "tous les soirs"),
      input("people.0.clothing", ""), input("people.0.height", ""), input("risks.children", false, "checkbox"),
      input("details", ""), input("contact.wanted", false, "checkbox"), input("contact.phone", "06 12 34 56 78"),
    ));
    const coach = assessReport(draft, { attachmentsCount: 1 });
    const report = buildReport(draft, { entries, mailbox, coach, language: "fr", now });
    expect(report).toEqual({
      type: "tipline.report", version: 1, language: "fr", written_at: expect.stringMatching(/^2026-11-28T18:42:05[+-]\d\d:\d\d$/),
      place: { text: "place de l'Europe" }, when: { frequency: "tous les soirs" },
      coach: {
        version: 1, level: 3, score: coach.score,
        checks: { place: "present", time: "partial", frequency: "present", people: "missing", vehicles: "missing",
          plate: "missing", evidence: "present", risks: "missing" },
        missing: ["people", "vehicles", "plate", "risks"], partial: ["time"], flags: [],
        danger: { active: false, kinds: [], fields: [] }, languages: ["fr"],
      },
      mailbox, attachments: entries,
    });
    // a phone number typed and then not asked for is not sent: the report stays anonymous
    expect(JSON.stringify(report)).not.toContain("06 12 34 56 78");
  });

  it("includes the contact block only when the citizen chose to be contacted", () => {
    const draft = readForm(form(input("contact.wanted", true, "checkbox"), input("contact.phone", "06 12 34 56 78"),
      input("contact.email", "")));
    const report = buildReport(draft, { entries: [], mailbox, coach: null, language: "en", now });
    expect(report.contact).toEqual({ wanted: true, phone: "06 12 34 56 78" });
    expect(report.language).toBe("en");
    expect("coach" in report).toBe(false);
  });

  it("carries the coach's flags and danger, phrases cut short", () => {
    const draft = readForm(form(input("details", `à tous les coups ils ont une arme ${"très ".repeat(30)}`)));
    const { coach } = buildReport(draft, { entries: [], mailbox, coach: assessReport(draft), language: "fr", now });
    expect(coach.flags).toEqual([{ kind: "vague", field: "details", phrase: "à tous les coups" }]);
    expect(coach.danger).toEqual({ active: true, kinds: ["weapon"], fields: ["details"] });
    expect(coach.level).toBe(0);
  });
});

describe("writeForm", () => {
  it("puts a kept draft's values back into the fields it names", () => {
    const elements = [input("place.text", ""), input("people.0.clothing", ""), input("risks.children", false, "checkbox"),
      input("vehicles.1.plate", ""), input("contact.phone", "")];
    writeForm({ elements }, { place: { text: "12 rue des Lilas" }, people: [{ clothing: "veste" }],
      vehicles: [null, { plate: "AB-1?3-C?" }], risks: { children: true }, contact: {} });
    expect(elements.map((e) => (e.type === "checkbox" ? e.checked : e.value)))
      .toEqual(["12 rue des Lilas", "veste", true, "AB-1?3-C?", ""]);
  });
});
