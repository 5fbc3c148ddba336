// Message catalogs: French first, English second. Other modules (the coach, the media
// stripper) bring their own messages and register them here.
import en from "../locales/en.json";
import fr from "../locales/fr.json";

export const LANGUAGES = ["fr", "en"];
const catalogs = { fr: { ...fr }, en: { ...en } };
const STORAGE_KEY = "tipline.lang";
let current = "fr";

export function addMessages(byLanguage, prefix = "") {
  for (const lang of LANGUAGES) {
    for (const [key, text] of Object.entries(byLanguage[lang] ?? {})) catalogs[lang][prefix + key] = text;
  }
}

export function initLanguage() {
  let stored = null;
  try {
    stored = localStorage.getItem(STORAGE_KEY);
  } catch {
    // storage may be disabled; French it is
  }
  current = LANGUAGES.includes(stored) ? stored : "fr";
  applyStatic();
  return current;
}

export function language() {
  return current;
}

export function setLanguage(lang) {
  current = LANGUAGES.includes(lang) ? lang : "fr";
  try {
    localStorage.setItem(STORAGE_KEY, current);
  } catch {
    // not remembered, fine
  }
  applyStatic();
}

export function has(key) {
  return key in catalogs[current] || key in catalogs.fr;
}

export function t(key, params = {}) {
  const text = catalogs[current][key] ?? catalogs.fr[key];
  if (text === undefined) return key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in params ? String(params[name]) : `{${name}}`));
}

/** Translate the static parts of index.html (the emergency band) and the document language. */
export function applyStatic(root = document) {
  document.documentElement.lang = current;
  for (const el of /** @type {NodeListOf<HTMLElement>} */ (root.querySelectorAll("[data-i18n]"))) {
    el.textContent = t(el.dataset.i18n, el.dataset.i18nParams ? JSON.parse(el.dataset.i18nParams) : {});
  }
  for (const el of /** @type {NodeListOf<HTMLElement>} */ (root.querySelectorAll("[data-i18n-aria-label]"))) {
    el.setAttribute("aria-label", t(el.dataset.i18nAriaLabel));
  }
}

/** Text props for h(): the text now, and the key to translate it again on a language change. */
export function tx(key, params) {
  const props = { text: t(key, params), "data-i18n": key };
  if (params) props["data-i18n-params"] = JSON.stringify(params);
  return props;
}

export function formatBytes(n) {
  const locale = current === "fr" ? "fr-FR" : "en-GB";
  if (n < 1024 * 1024) return t("units.kb", { n: Math.max(1, Math.round(n / 1024)).toLocaleString(locale) });
  return t("units.mb", { n: (n / 1024 / 1024).toLocaleString(locale, { maximumFractionDigits: 1 }) });
}

export function formatDate(iso) {
  const locale = current === "fr" ? "fr-FR" : "en-GB";
  return new Date(iso).toLocaleString(locale, { dateStyle: "medium", timeStyle: "short" });
}
