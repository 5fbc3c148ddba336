// Photos and videos: pick (camera or gallery), watch them being cleaned and encrypted, see
// what was removed, and decide for files that cannot be cleaned.
import { h } from "../dom.js";
import { formatBytes, t, tx } from "../i18n.js";

function statusOf(att) {
  if (att.status === "working") {
    return att.phase === "encrypting"
      ? t("file.encrypting", { percent: Math.round(att.progress * 100) })
      : t("file.stripping");
  }
  if (att.status === "sealed") return t(att.raw ? "file.sealed_raw" : "file.sealed");
  if (att.status === "unsupported") return t("file.unsupported", { reason: t(`media.${att.reason ?? "unknown_format"}`) });
  // "heic": a refusal by an older version of the app, kept in a draft; HEIC is cleaned now.
  if (att.status === "refused") return t(att.reason === "heic" ? "file.refused_heic" : "file.refused",
    { reason: t(`media.${att.reason ?? "unknown_format"}`) });
  if (att.status === "no_space") return t("file.storage_full", { size: formatBytes(att.size) });
  return t("file.failed", { error: att.error ?? "" });
}

export function fileList(draft, changed) {
  // Not a live region: rows are redrawn as files progress. One status line says each change of
  // state once ("cleaned and encrypted", "needs your choice"), not every percent.
  const list = h("ul", { class: "files" });
  const announcer = h("p", { class: "visually-hidden", role: "status" });
  const rows = new Map();
  const shown = new Map(); // localId -> the state its row shows
  const camera = h("input", { type: "file", accept: "image/*,video/*", capture: "environment", hidden: true,
    "data-input": "camera" });
  const gallery = h("input", { type: "file", accept: "image/*,video/*", multiple: true, hidden: true,
    "data-input": "gallery" });
  const takeButton = h("button", { type: "button", class: "button", ...tx("report.take_photo"),
    on: { click: () => camera.click() } });
  const chooseButton = h("button", { type: "button", class: "button", ...tx("report.choose_files"),
    on: { click: () => gallery.click() } });

  function render(att, { force = false } = {}) {
    let row = rows.get(att.localId);
    if (!row) {
      row = h("li", { class: "file", "data-file": att.localId });
      rows.set(att.localId, row);
      list.append(row);
    }
    const key = `${att.status}/${att.phase ?? ""}`;
    if (!force && shown.get(att.localId) === key && att.status === "working") {
      // progress only: update the text and the bar in place, so the "remove" button keeps its focus
      const status = row.querySelector("[data-status]");
      if (status) status.textContent = statusOf(att);
      const bar = row.querySelector("progress");
      if (bar) bar.value = Math.round(att.progress * 100);
      return;
    }
    if (shown.get(att.localId) !== key && att.status !== "working") announcer.textContent = `${att.name} : ${statusOf(att)}`;
    shown.set(att.localId, key);
    const hadFocus = row.contains(document.activeElement);
    const parts = [
      h("p", { class: "file__name" }, `${att.name} `, h("span", { class: "file__status", text: `(${formatBytes(att.size)})` })),
      h("p", { class: "file__status", "data-status": att.status, text: statusOf(att) }),
    ];
    if (att.status === "working" && att.phase === "encrypting") {
      parts.push(h("progress", { max: 100, value: Math.round(att.progress * 100), "aria-label": statusOf(att) }));
    }
    if (att.status === "sealed" && !att.raw && att.kept?.includes("incomplete")) {
      parts.push(h("p", { class: "file__status", "data-incomplete": "", text: t("media.incomplete") }));
    }
    if (att.status === "sealed" && !att.raw) {
      parts.push(att.removed.length
        ? h("div", {}, h("p", { class: "file__status", text: t("file.removed") }),
          h("ul", { class: "file__removed" }, ...att.removed.map((k) => h("li", { "data-removed": k, text: t(`media.${k}`) }))))
        : h("p", { class: "file__status", text: t("file.nothing_found") }));
    }
    const actions = h("div", { class: "button-row" });
    if (att.status === "unsupported") {
      actions.append(
        h("button", { type: "button", class: "button--small", text: t("file.unsupported_send"),
          on: { click: () => draft.sendAnyway(att, update) } }),
        h("button", { type: "button", class: "button--small button--danger", text: t("file.unsupported_drop"),
          on: { click: () => remove(att) } }),
      );
    } else {
      actions.append(h("button", { type: "button", class: "button--small button--danger",
        text: t("file.remove", { name: att.name }), on: { click: () => remove(att) } }));
    }
    parts.push(actions);
    row.replaceChildren(...parts);
    if (hadFocus) actions.querySelector("button")?.focus();
  }

  function update(att) {
    render(att);
    changed();
  }

  async function remove(att) {
    rows.get(att.localId)?.remove();
    rows.delete(att.localId);
    await draft.remove(att);
    changed();
    chooseButton.focus();
  }

  async function picked(event) {
    const chosen = Array.from(event.target.files ?? []);
    event.target.value = "";
    for (const file of chosen) await draft.addFile(file, update);
  }
  camera.addEventListener("change", picked);
  gallery.addEventListener("change", picked);

  const node = h("div", {}, h("div", { class: "button-row" }, takeButton, chooseButton), camera, gallery, list,
    announcer);
  return {
    node,
    /** Every row again (after a language change). */
    redraw() {
      for (const att of draft.attachments) render(att, { force: true });
    },
    setEnabled(enabled) {
      takeButton.disabled = !enabled;
      chooseButton.disabled = !enabled;
    },
  };
}
