// "Être recontacté": shown only on request, with the reminder that it lifts anonymity, and the
// phone number and e-mail address checked as they are typed (on leaving the field) and before
// the review, with a message that says how to write them.
import { checkEmail, checkPhone } from "../contact.js";
import { h } from "../dom.js";
import { t, tx } from "../i18n.js";
import { checkbox, textField } from "./fields.js";

function withError(field, check) {
  const input = field.querySelector("input");
  const error = h("p", { class: "field-error", id: `${input.id}-error`, "data-field-error": input.name });
  field.append(error);
  input.setAttribute("aria-describedby", [input.getAttribute("aria-describedby"), error.id].filter(Boolean).join(" "));
  const show = (key) => {
    error.textContent = key ? t(key) : "";
    if (key) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  };
  input.addEventListener("blur", () => show(check(input.value)));
  // once shown, an error goes away as soon as the value is right
  input.addEventListener("input", () => error.textContent && show(check(input.value)));
  return { input, show };
}

export function contactSection() {
  const phone = textField({ name: "contact.phone", label: "report.contact_phone", hint: "report.contact_phone_hint",
    type: "tel", autocomplete: "tel" });
  const email = textField({ name: "contact.email", label: "report.contact_email", hint: "report.contact_email_hint",
    type: "email", autocomplete: "email" });
  const checks = { "contact.phone": withError(phone, checkPhone), "contact.email": withError(email, checkEmail) };
  const fields = h("div", { hidden: true },
    h("p", { class: "notice notice--warn", ...tx("report.contact_warning") }), phone, email,
    textField({ name: "contact.when", label: "report.contact_when" }));
  const toggle = checkbox({ name: "contact.wanted", label: "report.contact_wanted",
    on: { change: (e) => { fields.hidden = !e.target.checked; } } });
  return {
    nodes: [toggle, fields],
    /** Show the problems found (contact.js contactProblems); focus the first. */
    show(problems) {
      for (const [name, c] of Object.entries(checks)) c.show(problems.find((p) => p.field === name)?.key ?? null);
      if (problems.length) checks[problems[0].field].input.focus();
    },
    /** After a draft is restored: the fields follow the box. */
    sync() {
      fields.hidden = !toggle.querySelector("input").checked;
    },
  };
}
