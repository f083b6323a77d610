import { Console, Effect, Layer, Option } from "effect"
import { Command, Flag } from "effect/cli"
import { layer as DeadLetterQueueLive } from "../layers/DeadLetterQueue.ts"
import { PositiveInt } from "../domain/PositiveInt.ts"
import { KafkaConfig } from "../layers/KafkaConfig.ts"
import { layer as KafkaInspectorLive } from "../layers/KafkaInspector.ts"
import { layer as KafkaProducerLive } from "../layers/KafkaProducer.ts"
import { redrive } from "../programs/redrive.ts"
import { DeadLetterQueue } from "../services/DeadLetterQueue.ts"
import { optionalString, positiveInt } from "./Flags.ts"
import { letterJson, lettersText, redriveText } from "./DlqReport.ts"
import { jsonFlag, quietUnlessLogLevel, switchFlag } from "./OperateFlags.ts"

const errorType = Flag.String("error-type").pipe(
  Flag.withDescription("only letters with this dlq-error-type (EmptyValue, NotJson, SchemaMismatch, CassandraRejected)"),
  Flag.optional
)

const DeadLettersLive = DeadLetterQueueLive.pipe(Layer.provide(KafkaInspectorLive))

const listCommand = Command.make("list", {
  limit: positiveInt("limit", "DLQ_LIST_LIMIT", 20, "most letters printed, newest first"),
  errorType,
  json: jsonFlag
}, ({ limit, errorType, json }) =>
  Effect.gen(function*() {
    const dlq = yield* DeadLetterQueue
    const total = (yield* dlq.offsets).reduce((sum, p) => sum + (p.high - p.low), 0)
    const letters = yield* dlq.newest(limit, Option.getOrUndefined(errorType))
    yield* Console.log(json ? JSON.stringify({ topic: dlq.topic, total, letters: letters.map(letterJson) }, null, 2) : lettersText(dlq.topic, total, letters))
  }).pipe(Effect.provide(DeadLettersLive.pipe(Layer.provide(KafkaConfig.layer))), quietUnlessLogLevel)).pipe(
    Command.withDescription("Print dead letters, newest first: source partition/offset, error type, message, failed at, a cut of the value")
  )

const redriveCommand = Command.make("redrive", {
  errorType,
  since: Flag.Date("since").pipe(Flag.withDescription("only letters dead-lettered at or after this time (ISO-8601)"), Flag.optional),
  max: Flag.Int("max").pipe(Flag.withSchema(PositiveInt), Flag.withDescription("most letters republished by this run (the rest wait for the next)"), Flag.optional),
  maxRedrives: positiveInt("max-redrives", "DLQ_MAX_REDRIVES", 3, "a letter already redriven this many times stays in the DLQ for good"),
  group: optionalString("group", "KAFKA_REDRIVE_GROUP_ID", "the redrive's consumer group on the DLQ [default <KAFKA_GROUP_ID>.dlq-redrive]"),
  dryRun: switchFlag("dry-run", "show what would be redriven; publish and commit nothing"),
  json: jsonFlag
}, (input) =>
  Effect.gen(function*() {
    const kafka = yield* KafkaConfig.config
    const summary = yield* redrive({
      groupId: Option.getOrElse(input.group, () => `${kafka.groupId}.dlq-redrive`),
      defaultTopic: kafka.topic,
      dryRun: input.dryRun,
      errorType: Option.getOrUndefined(input.errorType),
      since: Option.getOrUndefined(input.since),
      max: Option.getOrUndefined(input.max),
      maxRedrives: input.maxRedrives
    }).pipe(Effect.provide(Layer.mergeAll(DeadLettersLive, KafkaProducerLive).pipe(Layer.provide(Layer.succeed(KafkaConfig, kafka)))))
    yield* Console.log(input.json ? JSON.stringify(summary, null, 2) : redriveText(summary))
  })).pipe(
    Command.withDescription(
      "Republish dead letters to their source topic (original key, value, headers + dlq-redrive-count); the redrive's own group on the DLQ remembers what it settled"
    )
  )

/** `dlq list` and `dlq redrive`. */
export const dlqCommand = Command.make("dlq").pipe(
  Command.withDescription("Inspect and redrive the dead-letter topic (KAFKA_DLQ_TOPIC)"),
  Command.withSubcommands([listCommand, redriveCommand])
)
