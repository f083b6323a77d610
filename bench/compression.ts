// node bench/compression.ts [count] [rounds]: ingest users/s with each KAFKA_COMPRESSION codec, interleaved
// rounds on the local stack, then the stream's drain (@64) of a backlog in each codec. Prints one JSON line.
import { NodeRuntime } from "@effect/platform-node"
import { Console, Effect } from "effect"
import { layer as fakeApi } from "../test/support/FakeRandomUser.ts"
import { ingestRate } from "./ingest.ts"
import { drainBacklog, loadBacklog } from "./stream.ts"

const [countArg = "100000", roundsArg = "2"] = process.argv.slice(2)
const codecs = ["gzip", "zstd", "none"] as const

const program = Effect.gen(function*() {
  const rates: Record<string, Array<number>> = { gzip: [], zstd: [], none: [] }
  for (let round = 0; round < Number(roundsArg); round++) {
    for (const codec of codecs) {
      const { usersPerSec } = yield* ingestRate(`codec-${round}-${codec}`, Number(countArg), { KAFKA_COMPRESSION: codec })
      rates[codec]!.push(Math.round(usersPerSec))
    }
  }
  const drains: Record<string, Array<number>> = { gzip: [], zstd: [], none: [] }
  for (let round = 0; round < Number(roundsArg); round++) {
    for (const codec of codecs) {
      const topic = yield* loadBacklog(`codec-drain-${round}`, Number(countArg), codec)
      const { rowsPerSec } = yield* drainBacklog(topic, Number(countArg), 64, false)
      drains[codec]!.push(Math.round(rowsPerSec))
    }
  }
  yield* Console.log(JSON.stringify({ count: Number(countArg), ingestUsersPerSec: rates, streamRowsPerSec: drains }))
})

program.pipe(Effect.provide(fakeApi()), NodeRuntime.runMain)
