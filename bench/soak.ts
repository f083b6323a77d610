// The soak: a large backlog drained by `stream` at its default concurrency, RSS sampled every second.
// `npm run bench:soak [-- count]` runs it alone and prints one JSON line; `npm run bench` runs it as one of its stages.
import "../src/DropTimeoutNegativeWarning.ts"
import { NodeRuntime } from "@effect/platform-node"
import { Console, Effect } from "effect"
import { stackUp } from "../dev/stack.ts"
import { loadBacklog, drainBacklog } from "./stream.ts"

export interface SoakResult {
  readonly messages: number
  readonly rowsPerSec: number
  readonly maxRssMb: number
  /** Max RSS of the drain's second half minus max RSS of its first half: > 0 means still growing. */
  readonly rssGrowthLastHalfMb: number
  readonly rssSamplesMb: ReadonlyArray<number>
}

/** Growth of the second half's peak over the first half's: flat memory gives ~0. */
export const lastHalfGrowth = (samples: ReadonlyArray<number>): number => {
  const half = Math.floor(samples.length / 2)
  return Math.max(...samples.slice(half)) - Math.max(...samples.slice(0, half))
}

/** Loads `messages` users and drains them with the defaults of `node dist/main.js stream` (no flags). */
export const soak = (seed: string, messages: number) =>
  Effect.gen(function*() {
    const topic = yield* loadBacklog(`${seed}-soak`, messages)
    const run = yield* drainBacklog(topic, messages, undefined, false, {}, "1 second")
    // Samples after the backlog drained (waiting for the last commit, SIGTERM) are not part of the drain.
    const drainSeconds = Math.ceil(messages / run.rowsPerSec)
    const samples = run.rssMb.slice(0, Math.max(2, drainSeconds + Math.ceil(run.readyMs / 1000)))
    return {
      messages,
      rowsPerSec: run.rowsPerSec,
      maxRssMb: Math.max(...samples),
      rssGrowthLastHalfMb: lastHalfGrowth(samples),
      rssSamplesMb: samples
    } satisfies SoakResult
  })

if (import.meta.main) {
  const messages = Number(process.argv[2] ?? 1_000_000)
  stackUp()
  soak(`soak-${Date.now()}`, messages).pipe(
    Effect.flatMap(({ rssSamplesMb, ...result }) => Console.log(JSON.stringify({ ...result, rssSamplesMb: rssSamplesMb.map(Math.round) }))),
    NodeRuntime.runMain
  )
}
