import { readFileSync } from "node:fs"
import { join } from "node:path"
import { parseEnv } from "node:util"

/** The local stack's state folder (`STACK_STATE_DIR`, else the checkout's .stack). */
export const stackState = process.env["STACK_STATE_DIR"] ?? join(import.meta.dirname, "../.stack")

/** A client-settings file `stack.sh up` writes (`secure.env`, `cluster.env`), as variables. */
export const stackEnvFile = (name: string): Record<string, string> =>
  parseEnv(readFileSync(join(stackState, name), "utf8")) as Record<string, string>
