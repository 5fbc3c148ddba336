// Build the citizen app into dist/ with esbuild.
//
//   node build.mjs [--out DIR] [--root-key FILE]
//
// - pins the root public key (keys/root-key.json, or $TIPLINE_KEYS_DIR/root-key.json) into the code,
// - gives every asset a content hash in its name and index.html Subresource Integrity hashes,
// - writes the service worker with the versioned precache list of the whole app shell,
// - precompresses text assets (.br, .gz) for slow mobile networks,
// - writes dist/build.json (sizes, hashes) for tests and benchmarks.
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import zlib from "node:zlib";
import * as esbuild from "esbuild";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: { out: { type: "string" }, "root-key": { type: "string" } },
});
const OUT = path.resolve(args.out ?? path.join(HERE, "dist"));
const ROOT_KEY_FILE = path.resolve(
  args["root-key"] ?? path.join(process.env.TIPLINE_KEYS_DIR ?? path.join(HERE, "..", "keys"), "root-key.json"),
);
// Browsers this app supports: recent Chromium (Android), Safari 16.4+ (iOS), Firefox 115+.
const TARGET = ["es2022", "chrome109", "safari16.4", "firefox115"];
const TEXT = new Set([".js", ".css", ".html", ".webmanifest", ".json"]);

function fail(message) {
  console.error(`build: ${message}`);
  process.exit(1);
}

async function rootKey() {
  if (!existsSync(ROOT_KEY_FILE)) {
    fail(`no root key at ${ROOT_KEY_FILE}: sign a bundle first (tipline-desk sign-bundle) or run scripts/serve`);
  }
  const doc = JSON.parse(await fs.readFile(ROOT_KEY_FILE, "utf8"));
  if (doc.type !== "tipline.root-key" || doc.version !== 1 || typeof doc.public_key !== "string") {
    fail(`${ROOT_KEY_FILE} is not a tipline root key document`);
  }
  return doc;
}

const sha = (algo, data) => createHash(algo).update(data).digest();

async function bundle(entry, name, extra = {}) {
  const result = await esbuild.build({
    entryPoints: { [name]: path.join(HERE, entry) },
    bundle: true,
    minify: true,
    format: "esm",
    target: TARGET,
    outdir: OUT,
    entryNames: "assets/[name]-[hash]",
    assetNames: "assets/[name]-[hash]",
    metafile: true,
    legalComments: "linked",
    logLevel: "warning",
    ...extra,
  });
  const outputs = Object.keys(result.metafile.outputs).filter((f) => !f.endsWith(".LEGAL.txt"));
  const main = outputs.find((f) => result.metafile.outputs[f].entryPoint);
  return "/" + path.relative(OUT, path.resolve(main)).split(path.sep).join("/");
}

async function files(dir) {
  const out = [];
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await files(full)));
    else out.push(full);
  }
  return out;
}

const integrity = async (url) => "sha384-" + sha("sha384", await fs.readFile(path.join(OUT, url))).toString("base64");

async function main() {
  const root = await rootKey();
  await fs.rm(OUT, { recursive: true, force: true });
  await fs.mkdir(OUT, { recursive: true });

  // The worker holds libsodium (about 1 MB); the page loads it in the background, after first paint.
  const workerUrl = await bundle("src/worker/crypto-worker.js", "crypto-worker", {
    define: { __TIPLINE_ROOT_KEY__: JSON.stringify(root) },
  });
  const appUrl = await bundle("src/main.js", "app", {
    define: { __TIPLINE_WORKER_URL__: JSON.stringify(workerUrl) },
  });
  const cssUrl = await bundle("src/styles.css", "styles", { loader: { ".css": "css" } });

  await fs.cp(path.join(HERE, "icons"), path.join(OUT, "icons"), { recursive: true });
  await fs.copyFile(path.join(HERE, "manifest.webmanifest"), path.join(OUT, "manifest.webmanifest"));
  const template = await fs.readFile(path.join(HERE, "index.html"), "utf8");
  const html = template
    .replace("<!--tipline:styles-->", `<link rel="stylesheet" href="${cssUrl}" integrity="${await integrity(cssUrl)}">`)
    .replace(
      "<!--tipline:scripts-->",
      `<script type="module" src="${appUrl}" integrity="${await integrity(appUrl)}"></script>`,
    );
  await fs.writeFile(path.join(OUT, "index.html"), html);

  // The precache list is every file of the shell; its version is a hash of all of them and of
  // the service worker itself, so any change installs a new worker and drops the old cache.
  const shell = (await files(OUT))
    .map((f) => "/" + path.relative(OUT, f).split(path.sep).join("/"))
    .filter((u) => !u.endsWith(".LEGAL.txt"))
    .sort();
  const sw = await esbuild.build({
    entryPoints: [path.join(HERE, "service-worker.js")],
    bundle: true,
    minify: true,
    format: "iife",
    target: TARGET,
    write: false,
    logLevel: "warning",
  });
  const swCode = sw.outputFiles[0].contents;
  const version = createHash("sha256");
  for (const url of shell) version.update(url).update(await fs.readFile(path.join(OUT, url)));
  version.update(swCode);
  const versionId = version.digest("hex").slice(0, 16);
  const banner = `self.__TIPLINE_VERSION=${JSON.stringify(versionId)};self.__TIPLINE_PRECACHE=${JSON.stringify(shell)};`;
  await fs.writeFile(path.join(OUT, "service-worker.js"), Buffer.concat([Buffer.from(banner), swCode]));

  // Precompressed copies, served when the browser accepts them (server/web.py).
  const report = { version: versionId, app: appUrl, worker: workerUrl, styles: cssUrl, files: {} };
  for (const file of await files(OUT)) {
    const url = "/" + path.relative(OUT, file).split(path.sep).join("/");
    const data = await fs.readFile(file);
    const entry = { size: data.length };
    if (TEXT.has(path.extname(file))) {
      const gz = zlib.gzipSync(data, { level: 9 });
      const br = zlib.brotliCompressSync(data, {
        params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: data.length },
      });
      await fs.writeFile(file + ".gz", gz);
      await fs.writeFile(file + ".br", br);
      Object.assign(entry, { gzip: gz.length, br: br.length });
    }
    report.files[url] = entry;
  }
  report.root_key_fingerprint = root.fingerprint;
  await fs.writeFile(path.join(OUT, "build.json"), JSON.stringify(report, null, 2) + "\n");
  const total = (key) => Object.values(report.files).reduce((n, f) => n + (f[key] ?? f.size), 0);
  console.log(
    `built ${OUT} (version ${versionId}): ${Object.keys(report.files).length} files, ` +
      `${(total("br") / 1024).toFixed(0)} KiB brotli in all, root key ${root.fingerprint}`,
  );
}

await main();
