// The report form, following the article's table: place, time and frequency, people,
// vehicles, evidence, risks, free text, and an optional way to be contacted. The coach reads
// the draft as it is typed; danger-now advice shows at once. "Relire avant l'envoi" leads to the
// review screen (review.js), which sends. Nothing typed here is stored, unless the citizen
// chooses to keep the draft on the phone, sealed with a passphrase (draft-vault.js).
import { assessReport, isEmptyReport, warmUpCoach } from "../../coach/coach.js";
import { forgetCase } from "../../outbox/store.js";
import { coachPanel } from "../components/coach-panel.js";
import { contactSection } from "../components/contact-fields.js";
import { dangerAdvice } from "../components/danger.js";
import { draftKeeper, draftUnlock } from "../components/draft-keeper.js";
import { fileList } from "../components/file-list.js";
import { checkbox, section, textField } from "../components/fields.js";
import { keyNotice } from "../components/key-status.js";
import { contactProblems } from "../contact.js";
import { registerBackgroundSync, kickDelivery } from "../delivery.js";
import { h } from "../dom.js";
import { Draft } from "../draft.js";
import { keptDraft } from "../draft-vault.js";
import { language, t, tx } from "../i18n.js";
import { policeKey } from "../police-key.js";
import { buildReport, readForm, writeForm } from "../report-data.js";
import { go } from "../router.js";
import { sentReceipts } from "../session.js";
import { refreshUpdateBanner } from "../update.js";

let view = null; // the form survives a visit to the FAQ and to the review; it is dropped once sent

export function draftInProgress() {
  return view !== null && view.dirty;
}

/** The report being written, for the review screen (null while a kept draft is still locked). */
export function currentReport() {
  return view?.form ? view : null;
}

/** @param {{rerender?: () => void}} [options] */
export async function reportScreen({ rerender } = {}) {
  if (!view) view = await createView(rerender);
  view.refresh({ all: true }); // language or police key may have changed meanwhile
  return view.nodes;
}

async function createView(rerender) {
  const kept = await keptDraft().catch(() => null);
  if (kept) return lockedView(kept, rerender);
  return formView({ draft: await Draft.start() });
}

const title = () => h("h1", tx("report.title"));

/** A draft is kept on the phone: open it with its code, or erase it and start afresh. */
function lockedView(record, rerender) {
  const show = async (next) => {
    view = next;
    rerender?.();
    setTimeout(() => view?.form?.querySelector("textarea, input")?.focus(), 0);
  };
  const panel = draftUnlock(record, {
    onOpened: async ({ vault, state }) => show(await formView({ draft: await Draft.resume(state.draft), vault, restore: state })),
    onDiscarded: async () => {
      if (record.caseId) await forgetCase(record.caseId).catch(() => {}); // its sealed photos too
      await show(await formView({ draft: await Draft.start() }));
    },
  });
  return { dirty: false, nodes: [title(), panel.node], refresh() {} };
}

function personGroup(n) {
  const group = h("div", { class: "repeat", "data-group": "person" });
  group.append(
    h("div", { class: "repeat__head" }, h("h3", tx("report.person", { n: n + 1 })),
      h("button", { type: "button", class: "button--small button--danger", ...tx("report.remove_person", { n: n + 1 }),
        on: { click: () => group.remove() } })),
    textField({ name: `people.${n}.clothing`, label: "report.clothing" }),
    textField({ name: `people.${n}.height`, label: "report.height" }),
    textField({ name: `people.${n}.signs`, label: "report.signs" }),
    textField({ name: `people.${n}.role`, label: "report.role" }),
  );
  return group;
}

function vehicleGroup(n) {
  const group = h("div", { class: "repeat", "data-group": "vehicle" });
  group.append(
    h("div", { class: "repeat__head" }, h("h3", tx("report.vehicle", { n: n + 1 })),
      h("button", { type: "button", class: "button--small button--danger", ...tx("report.remove_vehicle", { n: n + 1 }),
        on: { click: () => group.remove() } })),
    textField({ name: `vehicles.${n}.type`, label: "report.vehicle_type" }),
    textField({ name: `vehicles.${n}.colour`, label: "report.vehicle_colour" }),
    textField({ name: `vehicles.${n}.make`, label: "report.vehicle_make" }),
    textField({ name: `vehicles.${n}.plate`, label: "report.vehicle_plate", hint: "report.vehicle_plate_hint" }),
  );
  return group;
}

function repeatable(makeGroup, addKey, initial) {
  let count = 0;
  const list = h("div", {});
  const add = () => {
    const group = makeGroup(count++);
    list.append(group);
    return group;
  };
  for (let i = 0; i < initial; i += 1) add();
  const button = h("button", {
    type: "button", class: "button--small", ...tx(addKey),
    on: { click: () => add().querySelector("input")?.focus() },
  });
  // a restored draft: as many groups as it had, numbered as they were (removed ones stay gaps)
  const ensure = (n) => {
    while (count < n) add();
  };
  return { list, button, ensure };
}

/** The place field's "use my position", with an explicit second step. */
function positionPicker(changed) {
  let position = null;
  const area = h("div", { class: "field", "aria-live": "polite" });
  const show = () => {
    if (position) {
      area.replaceChildren(
        h("p", tx("report.position_added", { accuracy: Math.round(position.accuracy_m) })),
        h("button", { type: "button", class: "button--small button--danger", ...tx("report.position_remove"),
          on: { click: () => { position = null; show(); changed(); } } }),
      );
    } else {
      area.replaceChildren(h("button", { type: "button", class: "button--small", ...tx("report.position_button"),
        on: { click: ask } }));
    }
  };
  const ask = () => {
    const yes = h("button", { type: "button", class: "button--small button--primary", ...tx("report.position_confirm") });
    const no = h("button", { type: "button", class: "button--small", ...tx("report.position_cancel"), on: { click: show } });
    area.replaceChildren(h("div", { class: "notice notice--warn" }, h("p", tx("report.position_consent")),
      h("div", { class: "button-row" }, yes, no)));
    yes.addEventListener("click", () => {
      area.replaceChildren(h("p", tx("report.position_pending")));
      navigator.geolocation.getCurrentPosition(
        (p) => {
          position = { latitude: Number(p.coords.latitude.toFixed(6)), longitude: Number(p.coords.longitude.toFixed(6)),
            accuracy_m: Math.round(p.coords.accuracy) };
          show();
          changed();
        },
        () => area.replaceChildren(h("p", { class: "field-error", ...tx("report.position_error") }),
          h("button", { type: "button", class: "button--small", ...tx("report.position_button"), on: { click: ask } })),
        { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 },
      );
    });
    no.focus();
  };
  show();
  return { node: area, get: () => position, set: (p) => { position = p ?? null; show(); } };
}

/** Compile the coach's lexicons while the phone is idle, before the first keystroke needs them. */
function warmUpWhenIdle() {
  const idle = globalThis.requestIdleCallback ?? ((fn) => setTimeout(fn, 200));
  idle(() => {
    warmUpCoach(["fr"]);
    idle(() => warmUpCoach(["en"]));
  });
}

async function formView({ draft, vault = null, restore = null }) {
  const state = { dirty: Boolean(restore) };
  const form = h("form", { novalidate: true, "aria-describedby": "report-intro" });
  const status = h("p", { class: "field-error", role: "alert", "data-form-status": "" });
  const coach = coachPanel();
  const danger = dangerAdvice();
  const files = fileList(draft, () => update());
  const position = positionPicker(() => update());
  const contact = contactSection();
  const people = repeatable(personGroup, "report.add_person", 1);
  const vehicles = repeatable(vehicleGroup, "report.add_vehicle", 0);
  warmUpWhenIdle();

  form.append(
    section("report.place_legend",
      textField({ name: "place.text", label: "report.place_label", hint: "report.place_hint", multiline: true }),
      position.node),
    section("report.when_legend",
      textField({ name: "when.seen_at", label: "report.seen_at_label", type: "datetime-local" }),
      textField({ name: "when.frequency", label: "report.frequency_label", hint: "report.frequency_hint" })),
    section("report.people_legend", h("p", { class: "hint", ...tx("report.people_hint") }), people.list, people.button),
    section("report.vehicles_legend", vehicles.list, vehicles.button),
    section("report.evidence_legend", h("p", { class: "hint", ...tx("report.evidence_hint") }), files.node),
    section("report.risks_legend",
      checkbox({ name: "risks.children", label: "report.risk_children" }),
      checkbox({ name: "risks.weapons", label: "report.risk_weapons" }),
      checkbox({ name: "risks.threats", label: "report.risk_threats" }),
      textField({ name: "risks.details", label: "report.risk_details", multiline: true })),
    section("report.details_legend",
      textField({ name: "details", label: "report.details_label", multiline: true })),
    section("report.contact_legend", ...contact.nodes),
  );
  const submit = h("button", { type: "submit", class: "button button--primary button--big", ...tx("report.send") });
  form.append(coach.live, coach.node, status, submit);

  if (restore?.form) {
    people.ensure(restore.form.people?.length ?? 0);
    vehicles.ensure(restore.form.vehicles?.length ?? 0);
    writeForm(form, restore.form);
    position.set(restore.form.place?.position);
    contact.sync();
  }

  const sealedCount = () => draft.attachments.filter((a) => a.status === "sealed").length;
  const assess = () => {
    const current = readForm(form, { position: position.get() });
    return { current, result: assessReport(current, { attachmentsCount: sealedCount() }) };
  };
  const keeper = draftKeeper({ vault, getState: () => ({ v: 1, form: readForm(form, { position: position.get() }),
    draft: draft.keptState() }) });

  // Danger advice and the coach follow every keystroke, at most once per frame; on a slow phone
  // with a long text (an assessment longer than a frame) they wait for a short pause instead, so
  // typing never lags.
  let pending = null;
  let lastCost = 0;
  function update() {
    refresh();
    keeper.changed();
    if (pending !== null) return;
    const run = () => {
      pending = null;
      const started = performance.now();
      const { result } = assess();
      danger.render(result.danger, form);
      coach.render(result);
      lastCost = performance.now() - started;
    };
    pending = lastCost > 12 ? setTimeout(run, Math.min(300, lastCost * 4)) : requestAnimationFrame(run);
  }
  const touched = () => {
    if (state.dirty) return;
    state.dirty = true;
    refreshUpdateBanner(); // from now on an update waits until the report is sent
  };
  for (const type of ["input", "change"]) {
    form.addEventListener(type, touched);
    form.addEventListener(type, update);
  }

  let shownKey = null;
  const notice = h("div", {});
  function refresh({ all = false } = {}) {
    const keyStatus = policeKey().status;
    const keyOk = keyStatus === "ok";
    submit.disabled = !keyOk || draft.busy();
    const text = keyOk && draft.busy() ? t("report.send_disabled_files") : "";
    if (status.dataset.reason !== "empty" && status.textContent !== text) status.textContent = text;
    files.setEnabled(keyOk);
    if (all || keyStatus !== shownKey) notice.replaceChildren(...[keyNotice()].filter(Boolean));
    shownKey = keyStatus;
    if (all) {
      files.redraw();
      const { result } = assess();
      danger.render(result.danger, form);
      coach.render(result);
    }
  }

  /** Ready for the review: not empty, contact details readable. Says what is wrong otherwise. */
  function validate() {
    const { current } = assess();
    if (isEmptyReport(current, { attachmentsCount: sealedCount() })) {
      status.dataset.reason = "empty";
      status.textContent = t("report.empty_refused");
      return { ok: false, focus: () => form.elements.namedItem("place.text").focus() };
    }
    if (status.dataset.reason === "empty") status.textContent = "";
    delete status.dataset.reason;
    const problems = contactProblems(current.contact);
    contact.show(problems);
    return { ok: problems.length === 0, focus: () => contact.show(problems) };
  }

  // "Relire avant l'envoi": an empty report is refused, contact details are checked, then the review.
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    refresh();
    if (submit.disabled) return; // e.g. Enter in a field while a file is still being encrypted
    const check = validate();
    if (!check.ok) {
      check.focus();
      return;
    }
    keeper.saveNow();
    go("relire");
  });
  // the "empty" message goes as soon as something is written
  form.addEventListener("input", () => {
    if (status.dataset.reason === "empty") {
      delete status.dataset.reason;
      status.textContent = "";
    }
  });

  /** Encrypt and queue (from the review screen); the plaintext form is dropped once it is sealed. */
  async function send(assessment) {
    const current = readForm(form, { position: position.get() });
    const { caseId, receipt } = await draft.send(({ entries, mailbox }) =>
      buildReport(current, { entries, mailbox, coach: assessment, language: language() }));
    sentReceipts.set(caseId, receipt);
    view = null;
    form.reset();
    await keeper.finish(); // the kept draft is of no use once sent
    kickDelivery();
    registerBackgroundSync();
    go(`envoi/${caseId}`);
  }

  const nodes = [
    title(),
    notice,
    h("p", { id: "report-intro", ...tx("report.intro") }),
    danger.banner,
    h("p", { class: "hint", ...tx("report.draft_note") }),
    keeper.node,
    form,
  ];
  return Object.assign(state, { nodes, refresh, draft, form, assess, validate, send, position });
}
