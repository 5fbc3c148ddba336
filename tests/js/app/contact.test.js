// Contact details as people type them: French and international numbers, e-mail addresses.
import { describe, expect, it } from "vitest";
import { checkEmail, checkPhone, contactProblems } from "../../../pwa/src/app/contact.js";

describe("phone numbers", () => {
  it("accepts French numbers however they are spaced, and international ones", () => {
    for (const n of ["06 12 34 56 78", "06.12.34.56.78", "0612345678", "06-12-34-56-78", "+33 6 12 34 56 78",
      "+33 (0)6 12 34 56 78", "0033 6 12 34 56 78", "03 81 12 34 56", "+41 79 123 45 67", "0041791234567",
      "+44 20 7946 0958", "+1 (415) 555-2671", "  07 00 00 00 01  "]) {
      expect(checkPhone(n), n).toBe(null);
    }
  });

  it("refuses what cannot be dialled, with a message key", () => {
    for (const n of ["abc", "06 12 34", "06 12 34 56 789", "+33 0 6 12 34 56 78", "+336123456789", "1234",
      "06 12 34 56 7a", "+ 33 6 12 34 56 78 +", "00 00 00 00 00", "+0 12345678"]) {
      expect(checkPhone(n), n).toBe("report.contact_phone_invalid");
    }
    expect(checkPhone("")).toBe(null); // not given is not wrong
  });
});

describe("e-mail addresses", () => {
  it("accepts ordinary and unusual valid addresses", () => {
    for (const e of ["nom@exemple.fr", "prenom.nom+alerte@sous.domaine.co.uk", "x@y.io", "élodie@exemple.fr",
      "a_b-c@exemple-mail.com"]) {
      expect(checkEmail(e), e).toBe(null);
    }
  });

  it("refuses addresses with a typing slip", () => {
    for (const e of ["nom@exemple", "nom@@exemple.fr", "nom@.fr", "nom @exemple.fr", "nom@exemple.f", "@exemple.fr",
      "nom.@exemple.fr", "jean..dupont@exemple.fr", "nom@exemple.fr.", "nom@-exemple.fr", "nom,exemple.fr"]) {
      expect(checkEmail(e), e).toBe("report.contact_email_invalid");
    }
  });
});

describe("the contact block", () => {
  it("is checked only when the citizen asked to be contacted, and needs one way to be reached", () => {
    expect(contactProblems({ wanted: false, phone: "abc" })).toEqual([]);
    expect(contactProblems({ wanted: true, phone: "", email: "" })).toEqual([{ field: "contact.phone", key: "report.contact_none" }]);
    expect(contactProblems({ wanted: true, phone: "abc", email: "x@y.fr" }))
      .toEqual([{ field: "contact.phone", key: "report.contact_phone_invalid" }]);
    expect(contactProblems({ wanted: true, phone: "", email: "nom@exemple.fr" })).toEqual([]);
  });
});
