import { Duration, Effect, Schedule } from "effect"
import type { Scope } from "effect"
import { execFile } from "node:child_process"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import type { CliProcess } from "../dev/cli.ts"

const root = join(import.meta.dirname, "..")

/** Runs `node bench/<script> …args` with extra environment and returns the JSON line it prints. */
export const runScript = <A>(script: string, args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  Effect.callback<A, Error>((resume) => {
    execFile(process.execPath, [join(root, "bench", script), ...args], { env: { ...process.env, ...env }, maxBuffer: 1 << 24 }, (error, stdout, stderr) => {
      if (error) return resume(Effect.fail(new Error(`${script} failed: ${error.message}\n${stderr}`)))
      const last = stdout.trim().split("\n").at(-1) ?? ""
      resume(Effect.try({ try: () => JSON.parse(last) as A, catch: () => new Error(`${script} printed no JSON: ${stdout}`) }))
    })
  })

/** Status code of a GET (0 when nothing answers). */
export const status = (url: string) =>
  Effect.promise(() => fetch(url).then((r) => r.status, () => 0))

/** Milliseconds from `since` until `url` answers 200. */
export const untilReady = (url: string, since: number) =>
  status(url).pipe(
    Effect.flatMap((code) => code === 200 ? Effect.succeed(performance.now() - since) : Effect.fail("not ready" as const)),
    Effect.retry(Schedule.spaced("20 millis")),
    Effect.timeoutOrElse({ duration: "2 minutes", orElse: () => Effect.die(new Error(`${url} never became ready`)) })
  )

/** CPU milliseconds a process has used (user + system, all its threads), from /proc; 0 when it is gone. */
export const cpuMs = (pid: number | undefined): number => {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")
    return (Number(fields[11]) + Number(fields[12])) * 10
  } catch {
    return 0
  }
}

/** A process's resident set size in MiB, from /proc. */
const rssMb = (pid: number): number => {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))
  return match ? Number(match[1]) / 1024 : 0
}

/** Samples a process's RSS every `every` for as long as the scope lives; read the samples at any time. */
export const sampleRss = (cli: CliProcess, every: Duration.Input = "500 millis"): Effect.Effect<Array<number>, never, Scope.Scope> =>
  Effect.gen(function*() {
    const samples: Array<number> = []
    yield* Effect.sync(() => samples.push(rssMb(cli.child.pid!))).pipe(
      Effect.ignore,
      Effect.repeat(Schedule.spaced(every)),
      Effect.forkScoped
    )
    return samples
  })

/** The q-quantile (0..1) of numbers, nearest rank. */
export const quantile = (values: ReadonlyArray<number>, q: number): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN
}

/** Milliseconds an effect took, with its result. */
export const timed = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.map(Effect.timed(effect), ([duration, a]) => [Duration.toMillis(duration), a] as const)

/** The middle value (the mean of the two middle ones for an even count). */
export const median = (xs: ReadonlyArray<number>): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}
