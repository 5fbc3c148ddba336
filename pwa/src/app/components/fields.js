// Labelled form fields: every input has a visible label, its hint tied by aria-describedby.
import { h, newId } from "../dom.js";
import { tx } from "../i18n.js";

/**
 * @param {{name: string, label: string, hint?: string, type?: string, multiline?: boolean,
 *   autocomplete?: string, value?: string}} field
 */
export function textField({ name, label, hint, type = "text", multiline = false, autocomplete = "off", value = "" }) {
  const id = newId(name.replace(/\W/g, "-"));
  const hintId = hint ? `${id}-hint` : null;
  const input = multiline
    ? h("textarea", { id, name, rows: 4, "aria-describedby": hintId, autocomplete, value })
    : h("input", { id, name, type, "aria-describedby": hintId, autocomplete, value, spellcheck: "true" });
  return h(
    "div",
    { class: "field" },
    h("label", { for: id, ...tx(label) }),
    hint ? h("p", { class: "hint", id: hintId, ...tx(hint) }) : null,
    input,
  );
}

/** @param {{name: string, label: string, checked?: boolean, on?: Record<string, (e: any) => void>}} field */
export function checkbox({ name, label, checked = false, on }) {
  const id = newId(name.replace(/\W/g, "-"));
  return h(
    "div",
    { class: "check" },
    h("input", { id, name, type: "checkbox", checked, on }),
    h("label", { for: id, ...tx(label) }),
  );
}

export function section(legendKey, ...children) {
  return h("fieldset", {}, h("legend", tx(legendKey)), ...children);
}
