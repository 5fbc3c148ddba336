// The report form, following the article's table: place, time and frequency, people,
// vehicles, evidence, risks, free text, and an optional way to be contacted. The coach reads
// the draft as it is typed. Nothing typed here is stored: it is encrypted when sent.
import { assessReport } from "../../coach/coach.js";
import { coachPanel } from "../components/coach-panel.js";
import { fileList } from "../components/file-list.js";
import { checkbox, section, textField } from "../components/fields.js";
import { keyNotice } from "../components/key-status.js";
import { registerBackgroundSync, kickDelivery } from "../delivery.js";
import { h } from "../dom.js";
import { Draft } from "../draft.js";
import { language, t, tx } from "../i18n.js";
import { policeKey } from "../police-key.js";
import { buildReport, readForm } from "../report-data.js";
import { go } from "../router.js";
import { sentReceipts } from "../session.js";
import { refreshUpdateBanner } from "../update.js";

let view = null; // the form survives a visit to the FAQ; it is dropped once sent

export function draftInProgress() {
  return view !== null && view.dirty;
}

export async function reportScreen() {
  if (!view) view = await createView();
  view.refresh({ all: true }); // language or police key may have changed meanwhile
  return view.nodes;
}

function personGroup(n) {
  const title = h("h3", tx("report.person", { n: n + 1 }));
  const group = h("div", { class: "repeat", "data-group": "person" });
  group.append(
    h("div", { class: "repeat__head" }, title,
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
  return [list, button];
}

async function createView() {
  const draft = await Draft.start();
  let position = null;
  const state = { dirty: false };

  const form = h("form", { novalidate: true, "aria-describedby": "report-intro" });
  const status = h("p", { class: "field-error", role: "alert" });
  const coach = coachPanel();
  const files = fileList(draft, () => update());

  // --- place, with an explicit choice before the position is used ----------------------
  const positionArea = h("div", { class: "field", "aria-live": "polite" });
  const showPosition = () => {
    if (position) {
      positionArea.replaceChildren(
        h("p", tx("report.position_added", { accuracy: Math.round(position.accuracy_m) })),
        h("button", { type: "button", class: "button--small button--danger", ...tx("report.position_remove"),
          on: { click: () => { position = null; showPosition(); update(); } } }),
      );
    } else {
      positionArea.replaceChildren(h("button", { type: "button", class: "button--small", ...tx("report.position_button"),
        on: { click: askPosition } }));
    }
  };
  const askPosition = () => {
    const yes = h("button", { type: "button", class: "button--small button--primary", ...tx("report.position_confirm") });
    const no = h("button", { type: "button", class: "button--small", ...tx("report.position_cancel"),
      on: { click: showPosition } });
    positionArea.replaceChildren(h("div", { class: "notice notice--warn" }, h("p", tx("report.position_consent")),
      h("div", { class: "button-row" }, yes, no)));
    yes.addEventListener("click", () => {
      positionArea.replaceChildren(h("p", tx("report.position_pending")));
      navigator.geolocation.getCurrentPosition(
        (p) => {
          position = { latitude: Number(p.coords.latitude.toFixed(6)), longitude: Number(p.coords.longitude.toFixed(6)),
            accuracy_m: Math.round(p.coords.accuracy) };
          showPosition();
          update();
        },
        () => positionArea.replaceChildren(h("p", { class: "field-error", ...tx("report.position_error") }),
          h("button", { type: "button", class: "button--small", ...tx("report.position_button"), on: { click: askPosition } })),
        { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 },
      );
    });
    no.focus();
  };
  showPosition();

  // --- contact, shown only on request --------------------------------------------------------
  const contactFields = h("div", { hidden: true },
    h("p", { class: "notice notice--warn", ...tx("report.contact_warning") }),
    textField({ name: "contact.phone", label: "report.contact_phone", type: "tel", autocomplete: "tel" }),
    textField({ name: "contact.email", label: "report.contact_email", type: "email", autocomplete: "email" }),
    textField({ name: "contact.when", label: "report.contact_when" }));
  const contactToggle = checkbox({ name: "contact.wanted", label: "report.contact_wanted",
    on: { change: (e) => { contactFields.hidden = !e.target.checked; } } });

  const [people, addPerson] = repeatable(personGroup, "report.add_person", 1);
  const [vehicles, addVehicle] = repeatable(vehicleGroup, "report.add_vehicle", 0);

  form.append(
    section("report.place_legend",
      textField({ name: "place.text", label: "report.place_label", hint: "report.place_hint", multiline: true }),
      positionArea),
    section("report.when_legend",
      textField({ name: "when.seen_at", label: "report.seen_at_label", type: "datetime-local" }),
      textField({ name: "when.frequency", label: "report.frequency_label", hint: "report.frequency_hint" })),
    section("report.people_legend", h("p", { class: "hint", ...tx("report.people_hint") }), people, addPerson),
    section("report.vehicles_legend", vehicles, addVehicle),
    section("report.evidence_legend", h("p", { class: "hint", ...tx("report.evidence_hint") }), files.node),
    section("report.risks_legend",
      checkbox({ name: "risks.children", label: "report.risk_children" }),
      checkbox({ name: "risks.weapons", label: "report.risk_weapons" }),
      checkbox({ name: "risks.threats", label: "report.risk_threats" }),
      textField({ name: "risks.details", label: "report.risk_details", multiline: true })),
    section("report.details_legend",
      textField({ name: "details", label: "report.details_label", multiline: true })),
    section("report.contact_legend", contactToggle, contactFields),
  );

  const send = h("button", { type: "submit", class: "button button--primary button--big", ...tx("report.send") });
  form.append(coach.urgent, coach.node, status, send);

  // The send button follows the files at once (a file being encrypted must hold it back); the
  // coach, which reads the whole form, is debounced.
  let timer = null;
  function update() {
    refresh();
    clearTimeout(timer);
    timer = setTimeout(() => {
      const current = readForm(form, { position });
      coach.render(assessReport(current, { attachmentsCount: draft.attachments.filter((a) =>
        a.status === "sealed").length }));
    }, 250);
  }
  const touched = () => {
    if (state.dirty) return;
    state.dirty = true;
    refreshUpdateBanner(); // from now on an update waits until the report is sent
  };
  form.addEventListener("input", touched);
  form.addEventListener("change", touched);
  form.addEventListener("input", update);
  form.addEventListener("change", update);

  let shownKey = null;
  function refresh({ all = false } = {}) {
    const keyStatus = policeKey().status;
    const keyOk = keyStatus === "ok";
    send.disabled = !keyOk || draft.busy();
    const text = keyOk && draft.busy() ? t("report.send_disabled_files") : "";
    if (status.textContent !== text) status.textContent = text; // an alert: said once, not at every step
    files.setEnabled(keyOk);
    if (all || keyStatus !== shownKey) notice.replaceChildren(...[keyNotice()].filter(Boolean));
    shownKey = keyStatus;
    if (all) {
      files.redraw();
      coach.render(assessReport(readForm(form, { position }), { attachmentsCount: draft.attachments.filter((a) =>
        a.status === "sealed").length }));
    }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    refresh();
    if (send.disabled) return; // e.g. Enter in a field while a file is still being encrypted
    send.disabled = true;
    send.textContent = t("report.sending");
    try {
      const current = readForm(form, { position });
      const assessment = assessReport(current, { attachmentsCount: draft.attachments.length });
      const { caseId, receipt } = await draft.send(({ entries, mailbox }) =>
        buildReport(current, { entries, mailbox, coach: assessment, language: language() }));
      sentReceipts.set(caseId, receipt);
      view = null; // the plaintext form is dropped now that it is encrypted
      form.reset();
      kickDelivery();
      registerBackgroundSync();
      go(`envoi/${caseId}`);
    } catch (error) {
      status.textContent = t("report.send_failed", { error: error.message });
      send.textContent = t("report.send");
      send.disabled = false;
    }
  });

  const notice = h("div", {});
  const nodes = [
    h("h1", tx("report.title")),
    notice,
    h("p", { id: "report-intro", ...tx("report.intro") }),
    h("p", { class: "hint", ...tx("report.draft_note") }),
    form,
  ];
  coach.render(assessReport(readForm(form, { position }), { attachmentsCount: 0 }));
  return Object.assign(state, { nodes, refresh, draft });
}
