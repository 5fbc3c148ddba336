// "Relisez avant d'envoyer": everything that will be encrypted and sent, as the police will
// read it: the fields, each file with what was removed from it, the contact details (and that
// they lift anonymity), the coach's level and what would still help. "Modifier" goes back to the
// form as it was; "Envoyer" seals and queues. A report the coach finds unusable (level 0) asks
// once for confirmation; nothing here ever blocks a citizen who wants to send.
import { checkNode, flagNode } from "../components/coach-panel.js";
import { dangerAdvice } from "../components/danger.js";
import { keyNotice } from "../components/key-status.js";
import { h } from "../dom.js";
import { formatBytes, formatDate, t, tx } from "../i18n.js";
import { policeKey } from "../police-key.js";
import { go } from "../router.js";
import { currentReport } from "./report.js";

const filled = (v) => typeof v === "string" && v.trim().length > 0;

/** A definition list of the filled values, labelled as in the form. */
function entries(pairs) {
  const items = pairs.filter(([, value]) => filled(value));
  return items.length ? h("dl", { class: "review__list" },
    ...items.flatMap(([label, value]) => [h("dt", { text: t(label) }), h("dd", { text: value.trim() })])) : null;
}

function fieldsSummary(current) {
  const blocks = [];
  const add = (legend, ...content) => {
    const kept = content.filter(Boolean);
    if (kept.length) blocks.push(h("section", { class: "review__block" }, h("h3", { text: t(legend) }), ...kept));
  };
  const pos = current.place?.position;
  add("report.place_legend", entries([["report.place_label", current.place?.text]]),
    pos ? h("p", { text: t("review.position", { accuracy: Math.round(pos.accuracy_m) }) }) : null);
  add("report.when_legend", entries([
    ["report.seen_at_label", filled(current.when?.seen_at) ? formatDate(current.when.seen_at) : ""],
    ["report.frequency_label", current.when?.frequency],
  ]));
  // several people or vehicles: one heading, each group with its number
  const groups = (list, nameKey, pairs) => list.flatMap((item, i) => {
    const dl = entries(pairs(item));
    return dl ? [h("p", { class: "review__sub", text: t(nameKey, { n: i + 1 }) }), dl] : [];
  });
  add("report.people_legend", ...groups(current.people, "report.person", (p) => [["report.clothing", p.clothing],
    ["report.height", p.height], ["report.signs", p.signs], ["report.role", p.role]]));
  add("report.vehicles_legend", ...groups(current.vehicles, "report.vehicle", (v) => [["report.vehicle_type", v.type],
    ["report.vehicle_colour", v.colour], ["report.vehicle_make", v.make], ["report.vehicle_plate", v.plate]]));
  const boxes = ["children", "weapons", "threats"].filter((k) => current.risks?.[k] === true);
  add("report.risks_legend", boxes.length ? h("ul", {}, ...boxes.map((k) => h("li", { text: t(`report.risk_${k}`) })))
    : null, entries([["report.risk_details", current.risks?.details]]));
  add("report.details_legend", entries([["report.details_label", current.details]]));
  return blocks;
}

function filesSummary(attachments) {
  const sealed = attachments.filter((a) => a.status === "sealed");
  if (!sealed.length) return h("p", { ...tx("review.no_files") });
  return h("ul", { class: "files" }, ...sealed.map((a) => h("li", { class: "file", "data-review-file": a.name },
    h("p", { class: "file__name", text: `${a.name} (${formatBytes(a.size)})` }),
    h("p", { class: "file__status", "data-review-removed": "",
      text: a.raw ? t("review.file_raw")
        : a.removed.length ? t("review.file_removed", { what: a.removed.map((k) => t(`media.${k}`)).join(", ") })
          : t("review.file_nothing") }))));
}

function contactSummary(contact) {
  if (!contact?.wanted) return h("p", { class: "notice notice--ok", "data-review-anonymous": "", ...tx("review.anonymous") });
  return h("div", {},
    h("p", { class: "notice notice--warn", "data-review-contact": "", ...tx("review.not_anonymous") }),
    entries([["report.contact_phone", contact.phone], ["report.contact_email", contact.email],
      ["report.contact_when", contact.when]]));
}

export async function reviewScreen() {
  const view = currentReport();
  // nothing being written (a reload, a kept draft still locked), or nothing to send yet: the form,
  // with what is wrong said there
  if (!view || !view.validate().ok) {
    go("signaler");
    return [];
  }
  const { current, result } = view.assess();
  const status = h("p", { class: "field-error", role: "alert", "data-review-status": "" });
  const confirmBox = h("div", { "data-review-confirm": "", hidden: true });
  let confirmed = result.level > 0; // a report the coach finds unusable is confirmed once

  const edit = h("button", { type: "button", class: "button", ...tx("review.edit"), on: { click: () => go("signaler") } });
  const send = h("button", { type: "button", class: "button button--primary button--big", "data-review-send": "",
    ...tx("review.send") });
  const keyOk = policeKey().status === "ok";
  const busy = view.draft.busy();
  send.disabled = !keyOk || busy;
  if (keyOk && busy) status.textContent = t("report.send_disabled_files");

  async function doSend() {
    send.disabled = true;
    edit.disabled = true;
    confirmBox.hidden = true;
    send.textContent = t("review.sending");
    try {
      await view.send(result);
    } catch (error) {
      status.textContent = t("report.send_failed", { error: error.message });
      send.textContent = t("review.send");
      send.disabled = false;
      edit.disabled = false;
    }
  }

  send.addEventListener("click", () => {
    if (confirmed) {
      doSend();
      return;
    }
    confirmed = true; // asked once: the next tap sends
    const anyway = h("button", { type: "button", class: "button button--primary", ...tx("review.send_anyway"),
      on: { click: doSend } });
    confirmBox.replaceChildren(h("div", { class: "notice notice--warn", role: "alert" },
      h("p", { ...tx("review.confirm_vague") }),
      h("div", { class: "button-row" }, anyway,
        h("button", { type: "button", class: "button", ...tx("review.complete"), on: { click: () => go("signaler") } }))));
    confirmBox.hidden = false;
    anyway.focus();
  });

  const danger = dangerAdvice();
  danger.render(result.danger, null); // the banner only: there are no fields here
  const toAdd = result.checks.filter((c) => c.status !== "present");
  const meter = h("span", { class: "coach__meter", "aria-hidden": "true" },
    ...[0, 1, 2].map((i) => h("span", { class: i < result.level ? "on" : "" })));

  return [
    h("h1", { ...tx("review.title") }),
    keyNotice(),
    h("p", { ...tx("review.intro") }),
    danger.banner,
    h("section", { class: "review__coach", "aria-labelledby": "review-level", "data-review-level": result.level },
      h("h2", { id: "review-level", class: "review__level" }, meter,
        h("span", { text: t("review.level", { level: t(`coach.${result.levelKey}`) }) })),
      toAdd.length
        ? h("div", {}, h("h3", { ...tx("review.to_add") }), h("ul", { class: "review__checks" }, ...toAdd.map(checkNode)))
        : h("p", { ...tx("review.all_there") }),
      result.flags.length ? h("div", {}, h("h3", { ...tx("review.advice_title") }), ...result.flags.map(flagNode)) : null),
    h("section", { "aria-labelledby": "review-fields" },
      h("h2", { id: "review-fields", ...tx("review.fields_title") }), ...fieldsSummary(current)),
    h("section", { "aria-labelledby": "review-files" },
      h("h2", { id: "review-files", ...tx("review.files_title") }), filesSummary(view.draft.attachments)),
    h("section", { "aria-labelledby": "review-contact" },
      h("h2", { id: "review-contact", ...tx("review.contact_title") }), contactSummary(current.contact)),
    confirmBox,
    status,
    h("div", { class: "button-row review__actions" }, edit, send),
  ];
}
