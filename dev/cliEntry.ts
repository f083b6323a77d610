// The CLI entry a test spawns: unit tests run the TypeScript source as it is (Node 24 strips the types, so
// `npm run test:unit` needs no build); integration and fault tests run dist/main.js, what `npm run build` ships.
import { spawnSync } from "node:child_process"
import { join } from "node:path"

const root = join(import.meta.dirname, "..")

/** `src/main.ts`, run by Node's type stripping: what the unit tests spawn. */
export const sourceMain = join(root, "src/main.ts")

/** `dist/main.js`, built by `npm run build`: what the integration and fault tests spawn. */
export const builtMain = join(root, "dist/main.js")

/** Runs `node src/main.ts …` to its end (20 s at most): its exit code, stdout and non-blank stderr lines. */
export const runSourceMain = (args: ReadonlyArray<string>, env: Record<string, string> = {}) => {
  const result = spawnSync(process.execPath, [sourceMain, ...args], { encoding: "utf8", env: { ...process.env, ...env }, timeout: 20_000 })
  return { status: result.status, stdout: result.stdout, stderrLines: result.stderr.split("\n").filter((l) => l.trim() !== "") }
}

/** The flags a `--help` text lists, in its order. */
export const flagsOf = (help: string) => [...help.matchAll(/^\s+(--[a-z-]+)/gm)].map((m) => m[1])
