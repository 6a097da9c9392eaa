// Bundles each page entry (src/*-page.js) with its npm dependencies into static/build/.
import { build } from "esbuild";
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
writeFileSync("static/build/preload.json", JSON.stringify(preload, null, 2));
console.log(`built ${entryPoints.length} page bundles`);
