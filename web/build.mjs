// Bundles each page entry (src/*-page.js) with its npm dependencies into static/build/.
import { build } from "esbuild";
import { readdirSync } from "node:fs";

const entryPoints = readdirSync("src")
  .filter((name) => name.endsWith("-page.js"))
  .map((name) => `src/${name}`);

await build({
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
console.log(`built ${entryPoints.length} page bundles`);
