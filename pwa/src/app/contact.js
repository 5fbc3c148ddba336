// Contact details the citizen chose to give: checked here so a typing slip does not leave the
// police unable to call back. Pure functions (no DOM); the messages are in the catalogs.
//
// checkPhone(text) / checkEmail(text) → null when fine (or empty), else a catalog key.

const MAX_EMAIL = 254;

/** Digits and one leading "+", without the spaces, dots, dashes and brackets people type. */
export function phoneDigits(text) {
  const trimmed = String(text ?? "").trim();
  // "+33 (0)6 12 34 56 78": the "(0)" is the French trunk prefix written beside the country code
  const noTrunk = trimmed.replace(/^(\+\d{1,3})\s*\(0\)/, "$1");
  if (/[^\d\s.\-()+/]/.test(noTrunk) || noTrunk.indexOf("+") > 0 || (noTrunk.match(/\+/g) ?? []).length > 1) return null;
  return noTrunk.replace(/[\s.\-()/]/g, "");
}

export function checkPhone(text) {
  if (!String(text ?? "").trim()) return null;
  const digits = phoneDigits(text);
  if (digits === null) return "report.contact_phone_invalid";
  // France: 0X XX XX XX XX, +33 X XX XX XX XX, 0033 X XX XX XX XX
  if (/^0[1-9]\d{8}$/.test(digits) || /^(\+33|0033)[1-9]\d{8}$/.test(digits)) return null;
  if (/^(\+33|0033|0)/.test(digits) && !/^(\+|00)(?!33)/.test(digits)) return "report.contact_phone_invalid";
  // elsewhere: a country code and a subscriber number, 8 to 15 digits in all (E.164)
  if (/^(\+|00)[1-9]\d{7,14}$/.test(digits)) return null;
  return "report.contact_phone_invalid";
}

export function checkEmail(text) {
  const value = String(text ?? "").trim();
  if (!value) return null;
  if (value.length > MAX_EMAIL) return "report.contact_email_invalid";
  const at = value.lastIndexOf("@");
  const local = value.slice(0, at);
  const domain = value.slice(at + 1);
  const localOk = at > 0 && local.length <= 64 && /^[^\s@"(),:;<>[\]\\]+$/.test(local) && !/^\.|\.\.|\.$/.test(local);
  const labels = domain.split(".");
  const domainOk = labels.length >= 2 && labels.every((l) => /^[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?$/u.test(l)) &&
    /^\p{L}{2,}$/u.test(labels.at(-1));
  return localOk && domainOk ? null : "report.contact_email_invalid";
}

/** The problems of the contact block when the citizen asked to be contacted: [{ field, key }]. */
export function contactProblems(contact) {
  if (!contact?.wanted) return [];
  const out = [];
  const phone = checkPhone(contact.phone);
  const email = checkEmail(contact.email);
  if (phone) out.push({ field: "contact.phone", key: phone });
  if (email) out.push({ field: "contact.email", key: email });
  if (!String(contact.phone ?? "").trim() && !String(contact.email ?? "").trim()) {
    out.push({ field: "contact.phone", key: "report.contact_none" });
  }
  return out;
}
