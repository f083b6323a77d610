import { readFileSync } from "node:fs"
import { stackEnvFile } from "../../dev/stack.ts"

/** The secured servers' client settings as `stack.sh up --secure` writes them (.stack/secure.env). */
export const secureEnv = (): Record<string, string> => stackEnvFile("secure.env")

/** What must never appear in output: every password of the settings, and the body lines of every key and certificate they name. */
export const secretMaterial = (env: Record<string, string>): ReadonlyArray<string> => [
  ...Object.entries(env).filter(([name]) => name.endsWith("_PASSWORD")).map(([, value]) => value),
  ...Object.entries(env).filter(([name]) => name.endsWith("_FILE")).flatMap(([, path]) =>
    readFileSync(path, "utf8").split("\n").filter((line) => line.length >= 40 && !line.startsWith("-----")))
]
