import { Duration, Effect, Schedule } from "effect"
import type { Scope } from "effect"
import { spawn } from "node:child_process"
import type { ChildProcess } from "node:child_process"
import { builtMain } from "./cliEntry.ts"

/** A running `node dist/main.js …` with its output collected. */
export interface CliProcess {
  readonly child: ChildProcess
  readonly output: () => string
  /** Resolves with the exit code once the process ends. */
  readonly exit: Effect.Effect<number | null>
  readonly signal: (signal: NodeJS.Signals) => Effect.Effect<void>
}

/** Starts the built CLI with extra environment variables; killed (SIGKILL) when the scope closes if still running. */
export const startCli = (args: ReadonlyArray<string>, env: Record<string, string>): Effect.Effect<CliProcess, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const child = spawn(process.execPath, [builtMain, ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] })
      let output = ""
      child.stdout!.on("data", (chunk) => (output += chunk))
      child.stderr!.on("data", (chunk) => (output += chunk))
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
      return {
        child,
        output: () => output,
        exit: Effect.promise(() => exited),
        signal: (signal: NodeJS.Signals) => Effect.sync(() => void child.kill(signal))
      }
    }),
    (cli) => Effect.sync(() => void (cli.child.exitCode === null && cli.child.kill("SIGKILL")))
  )

/** Runs the CLI to completion; fails with its output if it does not exit 0 within `timeout`. */
export const runCli = (args: ReadonlyArray<string>, env: Record<string, string>, timeout: Duration.Input = "3 minutes") =>
  Effect.scoped(Effect.gen(function*() {
    const cli = yield* startCli(args, env)
    const code = yield* cli.exit.pipe(
      Effect.timeoutOrElse({ duration: timeout, orElse: () => Effect.die(new Error(`timed out: ${args.join(" ")}\n${cli.output()}`)) })
    )
    if (code !== 0) return yield* Effect.die(new Error(`exit ${code}: ${args.join(" ")}\n${cli.output()}`))
    return cli.output()
  }))

/** Polls `check` every 250 ms until it returns true (a failing check counts as "not yet"); dies after `timeout` naming `what`. */
export const eventually = <E, R>(what: string, check: Effect.Effect<boolean, E, R>, timeout: Duration.Input = "2 minutes") =>
  check.pipe(
    Effect.catchCause(() => Effect.succeed(false)),
    Effect.flatMap((ok) => ok ? Effect.void : Effect.fail("not yet" as const)),
    Effect.retry(Schedule.spaced("250 millis")),
    Effect.timeoutOrElse({
      duration: Duration.fromInputUnsafe(timeout),
      orElse: () => Effect.die(new Error(`timed out waiting for ${what}`))
    })
  )
