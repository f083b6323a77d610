// node bench/compression.ts [count] [rounds]: ingest users/s with each KAFKA_COMPRESSION codec, interleaved
// rounds on the local stack, then the stream's drain (@64) of a backlog in each codec. Prints one JSON line.
import "../src/DropTimeoutNegativeWarning.ts"
import { NodeRuntime } from "@effect/platform-node"
import { Console, Effect } from "effect"
import type { Compression } from "../src/layers/KafkaCodecs.ts"
import { FakeHttpUsers } from "../dev/fake-api/FakeHttpUsers.ts"
import { ingestRate } from "./ingest.ts"
import { drainBacklog, loadBacklog } from "./stream.ts"

const [countArg = "100000", roundsArg = "2"] = process.argv.slice(2)
const count = Number(countArg)
const codecs: ReadonlyArray<Compression> = ["gzip", "zstd", "none"]

/** `measure` for every codec, round after round (interleaved, so a slow spell of the box hits all codecs alike), rounded. */
const byCodec = <E, R>(measure: (codec: Compression, round: number) => Effect.Effect<number, E, R>) =>
  Effect.gen(function*() {
    const out: Partial<Record<Compression, Array<number>>> = {}
    for (let round = 0; round < Number(roundsArg); round++) {
      for (const codec of codecs) (out[codec] ??= []).push(Math.round(yield* measure(codec, round)))
    }
    return out
  })

const program = Effect.gen(function*() {
  const ingestUsersPerSec = yield* byCodec((codec, round) =>
    Effect.map(ingestRate(`codec-${round}-${codec}`, count, { KAFKA_COMPRESSION: codec }), (r) => r.usersPerSec))
  const streamRowsPerSec = yield* byCodec((codec, round) =>
    loadBacklog(`codec-drain-${round}`, count, codec).pipe(
      Effect.flatMap((topic) => drainBacklog(topic, count, 64, false)),
      Effect.map((r) => r.rowsPerSec)
    ))
  yield* Console.log(JSON.stringify({ count, ingestUsersPerSec, streamRowsPerSec }))
})

program.pipe(Effect.provide(FakeHttpUsers.layer()), NodeRuntime.runMain)
