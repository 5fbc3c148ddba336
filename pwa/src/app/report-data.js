// From the form's fields to the report object of docs/report.md: empty values are left out,
// the contact block only exists if the citizen asked to be contactable. And back (writeForm),
// when a draft kept on the phone is opened again.
import { coachVerdict } from "../coach/verdict.js";

const clean = (value) => (typeof value === "string" ? value.trim() : value);

function compact(obj) {
  const out = {};
  for (const [key, value] of Object.entries(obj)) {
    const v = clean(value);
    if (v === "" || v === null || v === undefined || v === false) continue;
    if (Array.isArray(v)) {
      const list = v.map((x) => (typeof x === "object" ? compact(x) : clean(x))).filter((x) =>
        typeof x === "object" ? Object.keys(x).length : x);
      if (list.length) out[key] = list;
    } else if (typeof v === "object") {
      const inner = compact(v);
      if (Object.keys(inner).length) out[key] = inner;
    } else out[key] = v;
  }
  return out;
}

/** The draft object the coach reads, from the form elements (names like "people.0.clothing"). */
export function readForm(form, { position = null } = {}) {
  const draft = { place: { text: "", position }, when: {}, people: [], vehicles: [], risks: {}, details: "", contact: {} };
  for (const el of form.elements) {
    if (!el.name) continue;
    const value = el.type === "checkbox" ? el.checked : el.value;
    const path = el.name.split(".");
    let target = draft;
    for (let i = 0; i < path.length - 1; i += 1) {
      const key = /^\d+$/.test(path[i]) ? Number(path[i]) : path[i];
      target[key] ??= /^\d+$/.test(path[i + 1]) ? [] : {};
      target = target[key];
    }
    target[path.at(-1)] = value;
  }
  draft.people = draft.people.filter(Boolean);
  draft.vehicles = draft.vehicles.filter(Boolean);
  return draft;
}

/** Put a draft's values back into the form's fields (those that exist). */
export function writeForm(form, draft) {
  for (const el of form.elements) {
    if (!el.name) continue;
    let value = draft;
    for (const key of el.name.split(".")) value = value?.[/^\d+$/.test(key) ? Number(key) : key];
    if (el.type === "checkbox") el.checked = value === true;
    else if (typeof value === "string") el.value = value;
  }
}

export function buildReport(draft, { entries, mailbox, coach, language, now = new Date() }) {
  const { contact, ...rest } = draft;
  const body = compact({ ...rest, contact: contact?.wanted ? contact : null });
  const verdict = coachVerdict(coach); // kept whole: an empty list or a false says something here
  return {
    type: "tipline.report",
    version: 1,
    language,
    written_at: localIso(now),
    ...body,
    ...(verdict ? { coach: verdict } : {}),
    mailbox,
    attachments: entries,
  };
}

/** The phone's local time with its UTC offset, as a person would read it. */
function localIso(d) {
  const pad = (n) => String(Math.abs(n)).padStart(2, "0");
  const offset = -d.getTimezoneOffset();
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}` +
    `:${pad(d.getSeconds())}${offset >= 0 ? "+" : "-"}${pad(Math.trunc(offset / 60))}:${pad(offset % 60)}`;
}
