// `npm run build`: src/ and the parts of `effect` and `@effect/*` it uses, tree-shaken, into dist/ (one file per module,
// the same layout as src/); every other package stays in node_modules. Importing `effect`'s index loads each of its
// modules: `stream` idled at 161–169 MiB RSS with the whole library loaded, 128–136 MiB with only what it uses, and
// started 0.3–0.5 s sooner (bench/README.md, "2026-12-04 (evening): the stream's memory at the defaults").
import { defineConfig } from "rolldown"

const bundled = (id: string) => id === "effect" || id.startsWith("effect/") || id.startsWith("@effect/")

export default defineConfig({
  input: "src/main.ts",
  platform: "node",
  external: (id, _importer, isResolved) => !isResolved && !id.startsWith(".") && !id.startsWith("/") && !bundled(id),
  output: {
    dir: "dist",
    format: "esm",
    sourcemap: true,
    preserveModules: true,
    preserveModulesRoot: "src",
    // The library modules go to dist/vendor/<package>/…: a `node_modules` folder inside dist/ would read as installed packages.
    entryFileNames: (chunk) => `${chunk.name.replace(/^node_modules\//, "vendor/")}.js`,
    cleanDir: true
  }
})
