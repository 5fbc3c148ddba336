// Danger-now advice, shown at once (no debounce) in two places: at the top of the form, and
// right after each field or box that triggered it. It says: call 17 or 112, the form is not
// read in real time, do not put yourself in danger. The top banner is an alert, announced once
// when it appears; the notes beside the fields are tied to them by aria-describedby.
import { h, newId } from "../dom.js";
import { t, tx } from "../i18n.js";

const KIND_ORDER = ["threat", "weapon", "violence", "children", "animal", "syringes"];

export function dangerAdvice() {
  const banner = h("div", { "data-danger-banner": "", hidden: true });
  const notes = new Map(); // field name → note element
  let shownKinds = "";

  function bannerContent(kinds) {
    const what = kinds.map((k) => t(`coach.danger_${k}`)).join(", ");
    return h("div", { class: "notice notice--danger", role: "alert" },
      h("h2", { ...tx("coach.danger_title") }),
      h("p", {}, t("coach.danger_text"), " ",
        h("a", { href: "tel:17", class: "danger__call", ...tx("shell.call17") })),
      h("p", { ...tx("coach.danger_safety") }),
      h("p", { class: "hint", text: t("report.danger_mentioned", { what }) }));
  }

  /** Show or hide the advice; `form` holds the fields named in the triggers (null: the banner only). */
  function render(danger, form) {
    const kinds = KIND_ORDER.filter((k) => danger.triggers.some((tr) => tr.kind === k));
    const signature = `${document.documentElement.lang}:${kinds.join(",")}`;
    if (signature !== shownKinds) {
      // a new element for a new set of dangers, so a screen reader hears it once, not at every key
      banner.replaceChildren(...(kinds.length ? [bannerContent(kinds)] : []));
      banner.hidden = kinds.length === 0;
      shownKinds = signature;
    }
    if (!form) return;
    const fields = new Set(danger.triggers.map((tr) => tr.field));
    for (const [field, note] of notes) {
      if (fields.has(field)) continue;
      detach(form, field, note);
      notes.delete(field);
    }
    for (const field of fields) {
      if (notes.has(field)) continue;
      const control = form.elements.namedItem(field);
      const host = control?.closest?.(".field, .check");
      if (!host) continue;
      const note = h("p", { class: "flag flag--urgent", id: newId("danger"), "data-danger-note": field,
        ...tx("coach.danger_field") });
      host.after(note);
      control.setAttribute("aria-describedby", [control.getAttribute("aria-describedby"), note.id].filter(Boolean).join(" "));
      notes.set(field, note);
    }
  }

  function detach(form, field, note) {
    const control = form.elements.namedItem(field);
    if (control?.getAttribute) {
      const rest = (control.getAttribute("aria-describedby") ?? "").split(" ").filter((id) => id && id !== note.id);
      if (rest.length) control.setAttribute("aria-describedby", rest.join(" "));
      else control.removeAttribute("aria-describedby");
    }
    note.remove();
  }

  return { banner, render };
}
