// The local stack (`stack/stack.sh`) as the tests, the benchmarks and the demo drive it.
import { Effect } from "effect"
import { spawn, spawnSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { parseEnv } from "node:util"

const repo = join(import.meta.dirname, "..")

/** The local stack's state folder (`STACK_STATE_DIR`, else the checkout's .stack). */
export const stackState = process.env["STACK_STATE_DIR"] ?? join(repo, ".stack")

/** A client-settings file `stack.sh up` writes (`secure.env`, `cluster.env`), as variables. */
export const stackEnvFile = (name: string): Record<string, string> =>
  parseEnv(readFileSync(join(stackState, name), "utf8")) as Record<string, string>

/**
 * Brings the local stack up (`stack/stack.sh up <args>`), its output on this terminal; throws unless it exits 0. Idempotent and
 * fast when the servers already run; never torn down afterwards (`npm run stack:down` does that).
 * USERS_PIPELINE_STACK_SKIP_UP=1 skips it (e.g. services provided some other way).
 */
export const stackUp = (...args: ReadonlyArray<string>): void => {
  if (process.env["USERS_PIPELINE_STACK_SKIP_UP"] === "1") return
  const result = spawnSync("bash", ["stack/stack.sh", "up", ...args], { cwd: repo, stdio: "inherit" })
  if (result.status !== 0) {
    throw new Error(`stack/stack.sh up ${args.join(" ")} failed (exit ${result.status ?? result.signal}); see its output above`)
  }
}

/** `stack/stack.sh …` as a child process, so that in-process servers (the fake API) keep serving meanwhile; dies unless it exits 0. */
export const stack = (...args: Array<string>): Effect.Effect<void> =>
  Effect.callback<number | null>((resume) => {
    const child = spawn("bash", ["stack/stack.sh", ...args], { cwd: repo, stdio: ["ignore", "ignore", "inherit"] })
    child.on("exit", (code) => resume(Effect.succeed(code)))
  }).pipe(Effect.flatMap((code) => code === 0 ? Effect.void : Effect.die(new Error(`stack/stack.sh ${args.join(" ")}: exit ${code}`))))
