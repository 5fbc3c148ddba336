// The message catalogs: English mirrors French key for key and placeholder for placeholder, and
// every literal key the code or index.html uses exists (a missing key would show up as raw text).
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import en from "../../../pwa/src/locales/en.json";
import fr from "../../../pwa/src/locales/fr.json";
import { REMOVED_LABELS } from "../../../pwa/src/media/labels.js";

const PWA = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../pwa");
const placeholders = (text) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

function sources(dir) {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? sources(full) : full.endsWith(".js") ? [full] : [];
  });
}

describe("catalogs", () => {
  it("English has exactly the French keys, with the same placeholders, none empty", () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(fr).sort());
    for (const key of Object.keys(fr)) {
      expect(placeholders(en[key]), key).toEqual(placeholders(fr[key]));
      expect(fr[key].trim(), key).not.toBe("");
      expect(en[key].trim(), key).not.toBe("");
    }
  });

  it("the media labels are complete in both languages", () => {
    expect(Object.keys(REMOVED_LABELS.en).sort()).toEqual(Object.keys(REMOVED_LABELS.fr).sort());
  });

  it("every literal key used by the code and the page exists", () => {
    const used = new Set();
    const literal = /\b(?:t|tx)\(\s*"([a-z_]+\.[a-z0-9_]+)"|\b(?:label|hint|legend|addKey)\s*:\s*"([a-z_]+\.[a-z0-9_]+)"|\b(?:section|repeatable\([^,]+,)\s*\(?\s*"([a-z_]+\.[a-z0-9_]+)"|data-i18n(?:-aria-label)?="([a-z_]+\.[a-z0-9_]+)"/g;
    const files = [...sources(path.join(PWA, "src")), path.join(PWA, "index.html")];
    for (const file of files) {
      for (const m of readFileSync(file, "utf8").matchAll(literal)) used.add(m[1] ?? m[2] ?? m[3] ?? m[4]);
    }
    expect(used.size).toBeGreaterThan(80); // the scan really finds the keys
    const missing = [...used].filter((key) => !(key in fr) && !key.startsWith("coach.") && !key.startsWith("media."));
    expect(missing).toEqual([]);
  });

  it("the French text is French: the emergency numbers and the main actions", () => {
    expect(fr["shell.call17"]).toMatch(/17/);
    expect(fr["home.start"]).toBe("Signaler un trafic");
    expect(fr["nav.exit"]).toBe("Quitter rapidement");
  });
});
