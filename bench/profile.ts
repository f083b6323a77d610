// npm run bench:profile -- stream|ingest [count] [concurrency] [tracing on|off]: one run of a program on the local stack
// under `--cpu-prof`; prints its rate and where the CPU went (self time by package and by function).
// PROFILE_NODE_OPTIONS adds Node flags to the program (e.g. `--trace-gc`); the stream's output is kept in bench/results/stream.log.
// The profile is kept in bench/results/<program>.cpuprofile (open it in Chrome DevTools or speedscope).
import "../src/DropTimeoutNegativeWarning.ts"
import { NodeRuntime } from "@effect/platform-node"
import { Console, Effect } from "effect"
import { readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { FakeHttpUsers } from "../dev/fake-api/FakeHttpUsers.ts"
import { stackUp } from "../dev/stack.ts"
import { ingestRate } from "./ingest.ts"
import { drainBacklog, loadBacklog } from "./stream.ts"

const [program = "stream", countArg = "100000", concurrencyArg = "64", tracing = "off"] = process.argv.slice(2)
const results = join(import.meta.dirname, "results")
const profileDir = join(results, `${program}-profile`)
/** Node flags of the profiled program: `--cpu-prof`, plus any in `PROFILE_NODE_OPTIONS` (e.g. `--trace-gc`, heap limits). */
const cpuProf = { NODE_OPTIONS: `${process.env["PROFILE_NODE_OPTIONS"] ?? ""} --cpu-prof --cpu-prof-dir=${profileDir}`.trim() }

interface Profile {
  readonly nodes: ReadonlyArray<{ readonly id: number; readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number } }>
  readonly samples: ReadonlyArray<number>
  readonly timeDeltas: ReadonlyArray<number>
}

/** Where a frame's code lives: an npm package, our own source, Node itself, or V8's pseudo-frames. */
const owner = (url: string, name: string) =>
  /(?:node_modules|dist\/vendor)\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1] ??
    (url.includes("/dist/") ? "users-pipeline" : url.startsWith("node:") ? "node" : url === "" ? name : url)

/** Self time by owner and by function, as lines of "percent  name". */
export const summarize = (profile: Profile, top = 25): string => {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node.callFrame]))
  const byOwner = new Map<string, number>()
  const byFunction = new Map<string, number>()
  let total = 0
  profile.samples.forEach((id, i) => {
    const frame = nodes.get(id)!
    const micros = profile.timeDeltas[i] ?? 0
    total += micros
    const where = owner(frame.url, frame.functionName)
    byOwner.set(where, (byOwner.get(where) ?? 0) + micros)
    const fn = `${frame.functionName || "(anonymous)"} ${frame.url.replace(/^.*node_modules\//, "")}:${frame.lineNumber + 1}`
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + micros)
  })
  const lines = (m: Map<string, number>, n: number) =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, t]) => `${(100 * t / total).toFixed(1).padStart(5)}%  ${k}`)
  return [`${(total / 1e6).toFixed(1)} s of samples`, ...lines(byOwner, 12), "", ...lines(byFunction, top)].join("\n")
}

const run = Effect.gen(function*() {
  yield* Effect.sync(() => stackUp())
  rmSync(profileDir, { recursive: true, force: true })
  const count = Number(countArg)
  const seed = `profile-${Date.now()}`
  if (program === "stream") {
    // Traced, the backlog carries ingest's sampled traceparent (tracing on samples all), as ingest-produced messages do.
    const topic = yield* loadBacklog(seed, count, "zstd", tracing === "on" ? 1 : undefined)
    const drain = yield* drainBacklog(topic, count, Number(concurrencyArg), tracing === "on", cpuProf)
    yield* Console.log(`stream @${concurrencyArg}, tracing ${tracing}: ${Math.round(drain.rowsPerSec)} rows/s, max RSS ${Math.round(drain.maxRssMb)} MiB`)
    writeFileSync(join(results, "stream.log"), drain.output)
    yield* Console.log(`RSS samples MiB: ${drain.rssMb.map(Math.round).join(" ")}; its output: bench/results/stream.log`)
  } else if (program === "ingest") {
    const ingest = yield* ingestRate(seed, count, cpuProf)
    yield* Console.log(`ingest: ${Math.round(ingest.usersPerSec)} users/s`)
  } else {
    return yield* Effect.die(new Error(`unknown program ${program}: stream or ingest`))
  }
  const written = readdirSync(profileDir).filter((name) => name.endsWith(".cpuprofile"))
  const target = join(results, `${program}.cpuprofile`)
  renameSync(join(profileDir, written[0]!), target)
  rmSync(profileDir, { recursive: true, force: true })
  yield* Console.log(summarize(JSON.parse(readFileSync(target, "utf8")) as Profile))
  yield* Console.log(`profile: ${target}`)
})

run.pipe(Effect.provide(FakeHttpUsers.layer()), NodeRuntime.runMain)
