// Bundles each page entry (src/*-page.js) with its npm dependencies into static/build/.
// `node build.mjs --analyze` also prints what each output holds (esbuild's metafile analysis):
// which modules a page loads before it is usable, for bench/weight.py's budgets.
import { analyzeMetafile, build } from "esbuild";
import { readdirSync, writeFileSync } from "node:fs";
import { basename } from "node:path";

const entryPoints = readdirSync("src")
  .filter((name) => name.endsWith("-page.js"))
  .map((name) => `src/${name}`);

const result = await build({
  metafile: true,
  entryPoints,
  bundle: true,
  format: "esm",
  splitting: true,
  outdir: "static/build",
  target: "es2022",
  minify: true,
  sourcemap: true,
  logLevel: "warning",
});
// The room page's Join catcher: a classic script (no module, no imports), run by room.html right
// after the button so that Join works before room-page.js has loaded (src/join-early.js).
await build({
  entryPoints: ["src/join-early.js"],
  bundle: false,
  format: "iife",
  outdir: "static/build",
  target: "es2022",
  minify: true,
  logLevel: "warning",
});
// Each page's static imports (shared chunks), so its template can <link rel="modulepreload">
// them: without it the browser finds a chunk only after parsing the page's bundle.
/** @type {Record<string, string[]>} */
const preload = {};
for (const [file, output] of Object.entries(result.metafile.outputs)) {
  if (!output.entryPoint || !file.endsWith(".js")) continue;
  preload[basename(file)] = output.imports
    .filter((imp) => imp.kind === "import-statement")
    .map((imp) => basename(imp.path));
}
// The open page fetches what the room page needs at once with the room's chunks (open.html):
// join-early.js too. Its <link rel="modulepreload"> fills the HTTP cache, where the room page's
// classic <script> finds it (transferSize 0, tests/test_browser_lobby_requests.py); room.html
// itself leaves it out of its own modulepreload links.
preload["room-page.js"].push("join-early.js");
writeFileSync("static/build/preload.json", JSON.stringify(preload, null, 2));
// The full metafile, for tests/test_page_split.py (what each page loads at once, by module).
writeFileSync("static/build/metafile.json", JSON.stringify(result.metafile));
if (process.argv.includes("--analyze")) {
  console.log(await analyzeMetafile(result.metafile));
  // Static imports only: what a page loads at once (a dynamic import() loads when it runs).
  for (const [file, output] of Object.entries(result.metafile.outputs)) {
    if (!output.entryPoint?.endsWith("-page.js") || !file.endsWith(".js")) continue;
    const later = output.imports.filter((imp) => imp.kind === "dynamic-import");
    console.log(`${basename(file)}: ${[basename(file), ...preload[basename(file)]].join(" ")}` +
      (later.length ? `; later: ${later.map((imp) => basename(imp.path)).join(" ")}` : ""));
  }
}
// The open page's script, inlined into its document (server/mockroom/open_page.py): one file, no chunks.
await build({ entryPoints: ["src/open-link.js"], bundle: true, format: "iife", minify: true, target: "es2022", outfile: "static/build/open-link.js", logLevel: "warning" });
console.log(`built ${entryPoints.length} page bundles`);
