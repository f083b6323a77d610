import { Effect, Layer, Option } from "effect"
import { Command, Flag } from "effect/cli"
import { boundOldSpace } from "../HeapSizing.ts"
import { CassandraConfig } from "../layers/CassandraConfig.ts"
import { layer as CassandraRepoLive } from "../layers/CassandraRepo.ts"
import { KafkaConfig } from "../layers/KafkaConfig.ts"
import { layer as KafkaConsumerLive } from "../layers/KafkaConsumer.ts"
import { layer as KafkaProducerLive } from "../layers/KafkaProducer.ts"
import * as StatusServer from "../layers/StatusServer.ts"
import * as Telemetry from "../layers/Telemetry.ts"
import { stream } from "../programs/stream.ts"
import { duration, positiveInt } from "./Flags.ts"
import { boundShutdown } from "./Shutdown.ts"

const flags = {
  concurrency: positiveInt("concurrency", "STREAM_CONCURRENCY", 64, "Cassandra writes in flight at once"),
  from: Flag.Literals("from", ["earliest", "latest"]).pipe(
    Flag.withDescription("where a new consumer group starts reading [env KAFKA_START_FROM, default earliest]"),
    Flag.optional
  ),
  replayFrom: Flag.Date("replay-from").pipe(
    Flag.withDescription("before joining, move the group to the first message at or after this time (ISO-8601); the group's other workers must be stopped [env KAFKA_REPLAY_FROM]"),
    Flag.optional
  ),
  retryBase: duration("retry-base", "STREAM_RETRY_BASE", "200 millis", "first retry delay of a failed write; doubles, with jitter"),
  retryCap: duration("retry-cap", "STREAM_RETRY_CAP", "10 seconds", "longest delay between write retries (writes retry until they succeed)"),
  progressEvery: duration("progress-every", "STREAM_PROGRESS_EVERY", "10 seconds", "how often a progress line is logged"),
  shutdownTimeout: duration("shutdown-timeout", "STREAM_SHUTDOWN_TIMEOUT", "30 seconds", "on SIGINT/SIGTERM, time allowed to finish in-flight writes and commit")
}

const StreamLive = StatusServer.layer.pipe(
  Layer.provideMerge(Layer.mergeAll(KafkaConsumerLive, KafkaProducerLive, CassandraRepoLive)),
  Layer.provideMerge(Telemetry.layer("users-stream"))
)

/** `stream`: Kafka → Cassandra, until interrupted. */
export const streamCommand = Command.make("stream", flags, (input) =>
  Effect.gen(function*() {
    yield* Effect.sync(boundOldSpace)
    const kafka = yield* KafkaConfig
    yield* stream({
      deadLetterTopic: kafka.dlqTopic,
      concurrency: input.concurrency,
      retry: { base: input.retryBase, cap: input.retryCap, maxRetries: undefined },
      progressEvery: input.progressEvery
    }).pipe(Effect.provide(StreamLive.pipe(Layer.provide(CassandraConfig.layer))))
  }).pipe(Effect.provide(KafkaConfig.layerWith({
    startFrom: Option.getOrUndefined(input.from),
    replayFrom: Option.getOrUndefined(input.replayFrom)
  })), boundShutdown(input.shutdownTimeout))).pipe(
    Command.withDescription("Consume users from Kafka and write them to Cassandra; poison messages go to the dead-letter topic")
  )
