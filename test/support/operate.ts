import { Effect } from "effect"
import { spawn } from "node:child_process"
import { builtMain } from "../../dev/cliEntry.ts"

/** How an operating command (`status`, `dlq …`) ended: its exit code and its stdout and stderr apart. */
export interface CommandResult {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs `node dist/main.js …` to its end (at most `timeoutMs`), whatever its exit code. */
export const runCommand = (args: ReadonlyArray<string>, env: Record<string, string>, timeoutMs = 90_000) =>
  Effect.promise(() =>
    new Promise<CommandResult>((resolve) => {
      const child = spawn(process.execPath, [builtMain, ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] })
      let stdout = ""
      let stderr = ""
      child.stdout.on("data", (chunk) => (stdout += chunk))
      child.stderr.on("data", (chunk) => (stderr += chunk))
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs)
      child.on("exit", (code) => {
        clearTimeout(timer)
        resolve({ code, stdout, stderr })
      })
    })
  )

/** Runs a command with `--json` that must exit 0, and parses what it printed. */
export const runJson = <A = any>(args: ReadonlyArray<string>, env: Record<string, string>) =>
  Effect.flatMap(runCommand([...args, "--json"], env), (result) =>
    result.code === 0
      ? Effect.sync(() => JSON.parse(result.stdout) as A)
      : Effect.die(new Error(`exit ${result.code}: ${args.join(" ")}\n${result.stdout}\n${result.stderr}`)))
