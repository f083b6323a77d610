// node bench/tracing.ts [count] [rounds] [label=path/to/main.js …]: the cost of tracing in interleaved rounds. Each round
// drains the same backlogs with `stream --concurrency 64` of each build (default: this tree's dist/main.js) with tracing
// off, at 100 % and at 1 % (`parentbased_traceidratio`, 0.01). The backlogs carry ingest's `traceparent` (all sampled for
// 100 %; 1 % sampled, by ingest's sampler, for off and 1 %); "1 % roots" drains one without trace headers (every message a
// new root the stream's sampler decides). Prints a JSON line per drain, then medians and each one's loss against off.
import "../src/DropTimeoutNegativeWarning.ts"
import { NodeRuntime } from "@effect/platform-node"
import { Console, Effect } from "effect"
import { spawn } from "node:child_process"
import { loadavg } from "node:os"
import { resolve } from "node:path"
import { builtMain } from "../test/support/cliEntry.ts"
import { eventually } from "../test/support/cli.ts"
import { drained } from "../test/support/kafka.ts"
import { timed, untilReady } from "./lib.ts"
import { dropKeyspace, loadBacklog, streamEnv } from "./stream.ts"

const [countArg = "100000", roundsArg = "3", ...buildArgs] = process.argv.slice(2)
const count = Number(countArg)
const builds = buildArgs.length === 0
  ? [{ label: "this", main: builtMain }]
  : buildArgs.map((arg) => ({ label: arg.split("=")[0]!, main: resolve(arg.split("=")[1]!) }))
const onePercent = { OTEL_TRACES_SAMPLER: "parentbased_traceidratio", OTEL_TRACES_SAMPLER_ARG: "0.01" }
const readyz = "http://127.0.0.1:19465/readyz"

/** Drains `topic` with `main stream --concurrency 64`: rows/s from ready to every offset committed. */
const drain = (main: string, topic: string, env: Record<string, string>) =>
  Effect.scoped(Effect.gen(function*() {
    const started = performance.now()
    const child = yield* Effect.acquireRelease(
      Effect.sync(() => spawn(process.execPath, [main, "stream", "--concurrency", "64"], { env: { ...process.env, ...env }, stdio: "ignore" })),
      (child) => Effect.sync(() => void (child.exitCode === null && child.kill("SIGKILL")))
    )
    const exited = new Promise((resolve) => child.on("exit", resolve))
    yield* untilReady(readyz, started)
    const [drainMs] = yield* timed(eventually("the backlog drained", drained(env["KAFKA_GROUP_ID"]!, topic), "10 minutes"))
    child.kill("SIGTERM")
    yield* Effect.promise(() => exited)
    yield* dropKeyspace(env)
    return count / (drainMs / 1000)
  }))

const median = (xs: ReadonlyArray<number>) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}

const bench = Effect.gen(function*() {
  const seed = `tracing-${Date.now()}`
  const allSampled = yield* loadBacklog(seed, count, "zstd", 1)
  const onePercentSampled = yield* loadBacklog(seed, count, "zstd", 0.01)
  const roots = yield* loadBacklog(seed, count)
  const configs = [
    { name: "off", topic: onePercentSampled, tracing: false, env: {} },
    { name: "100 %", topic: allSampled, tracing: true, env: {} },
    { name: "1 %", topic: onePercentSampled, tracing: true, env: onePercent },
    { name: "1 % roots", topic: roots, tracing: true, env: onePercent }
  ]
  const results: Array<{ build: string; config: string; round: number; rowsPerSec: number; load: number }> = []
  for (let round = 1; round <= Number(roundsArg); round++) {
    for (const build of builds) {
      for (const config of configs) {
        const env = { ...streamEnv(config.topic, config.tracing), ...config.env }
        const rowsPerSec = yield* drain(build.main, config.topic, env)
        const result = { build: build.label, config: config.name, round, rowsPerSec: Math.round(rowsPerSec), load: loadavg()[0]! }
        results.push(result)
        yield* Console.log(JSON.stringify(result))
      }
    }
  }
  for (const build of builds) {
    const of = (config: string) => results.filter((r) => r.build === build.label && r.config === config)
    const off = median(of("off").map((r) => r.rowsPerSec))
    for (const config of configs) {
      const runs = of(config.name)
      const m = median(runs.map((r) => r.rowsPerSec))
      const loss = config.name === "off" ? "" : ` (${((m / off - 1) * 100).toFixed(0)} %)`
      yield* Console.log(`${build.label} ${config.name}: ${runs.map((r) => r.rowsPerSec).join(" / ")} rows/s, median ${Math.round(m)}${loss}, load ${runs.map((r) => r.load.toFixed(1)).join(" / ")}`)
    }
  }
})

bench.pipe(NodeRuntime.runMain)
