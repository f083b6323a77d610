import { Console, Effect, Layer, Schema } from "effect"
import { Command } from "effect/cli"
import { CassandraConfig } from "../layers/CassandraConfig.ts"
import { layer as CassandraStatsLive } from "../layers/CassandraStats.ts"
import { layer as DeadLetterQueueLive } from "../layers/DeadLetterQueue.ts"
import { KafkaConfig } from "../layers/KafkaConfig.ts"
import { layer as KafkaInspectorLive } from "../layers/KafkaInspector.ts"
import { deadLetterStatus, tableStatus, topicStatus } from "../programs/status.ts"
import { positiveInt } from "./Flags.ts"
import { jsonFlag, quietUnlessLogLevel } from "./OperateFlags.ts"
import { statusText } from "./StatusReport.ts"
import type { Part, StatusReport } from "./StatusReport.ts"

/** Some part of the status could not be read; the rest was printed. */
export class StatusIncomplete extends Schema.TaggedError<StatusIncomplete>()("StatusIncomplete", {
  message: Schema.String
}) {}

const flags = {
  json: jsonFlag,
  newest: positiveInt("dlq-newest", "STATUS_DLQ_NEWEST", 5, "newest dead letters shown"),
  rowLimit: positiveInt("row-limit", "STATUS_ROW_LIMIT", 1_000_000, "most Cassandra rows the count reads (a token-range scan of written_at)")
}

const oneLine = (error: unknown) => {
  const e = error as { readonly _tag?: unknown; readonly message?: unknown }
  return `${typeof e._tag === "string" ? `${e._tag}: ` : ""}${String(e.message ?? error)}`.replace(/\s*\n\s*/g, " ")
}

const part = <A extends object, E, R, RIn>(effect: Effect.Effect<A, E, R>, layer: Layer.Layer<R, unknown, RIn>): Effect.Effect<Part<A>, never, RIn> =>
  effect.pipe(
    Effect.provide(layer),
    Effect.match({
      onFailure: (error): Part<A> => ({ ok: false, error: oneLine(error) }),
      onSuccess: (value): Part<A> => ({ ok: true, ...value })
    })
  )

const DeadLettersLive = DeadLetterQueueLive.pipe(Layer.provide(KafkaInspectorLive))

/** `status`: Kafka lag per partition and the group's members, the dead-letter topic, the Cassandra table; no worker needed. */
export const statusCommand = Command.make("status", flags, ({ json, newest, rowLimit }) =>
  Effect.gen(function*() {
    const kafka = yield* KafkaConfig
    const cassandra = yield* CassandraConfig
    const [topic, deadLetters, table] = yield* Effect.all([
      part(topicStatus(kafka.topic, kafka.groupId, kafka.startFrom), KafkaInspectorLive),
      part(deadLetterStatus(newest), DeadLettersLive),
      part(tableStatus(rowLimit), CassandraStatsLive)
    ], { concurrency: "unbounded" })
    const report: StatusReport = { kafka: topic, deadLetters, cassandra: table }
    yield* Console.log(json ? JSON.stringify(report, null, 2) : statusText(report, {
      topic: kafka.topic,
      dlqTopic: kafka.dlqTopic,
      table: `${cassandra.keyspace}.${cassandra.table}`
    }))
    const failed = [["Kafka", topic], ["dead-letter topic", deadLetters], ["Cassandra", table]] as const
    const unreadable = failed.filter(([, p]) => !p.ok).map(([name]) => name)
    if (unreadable.length > 0) return yield* new StatusIncomplete({ message: `could not read ${unreadable.join(", ")}` })
  }).pipe(Effect.provide(Layer.mergeAll(KafkaConfig.layer, CassandraConfig.layer)), quietUnlessLogLevel)).pipe(Command.withDescription("Show Kafka lag and group members, the dead-letter topic and the Cassandra row count (no worker needed)"))
