import { Cause, Context, Duration, Effect, FiberSet, Layer, Metric, Option, Queue, Schedule, Semaphore, Stream } from "effect"
import type { EachBatchPayload, IHeaders, IMemberAssignment, KafkaMessage } from "kafkajs"
import type { CommitPosition } from "../domain/CommitWatermark.ts"
import { KafkaConsumer, KafkaConsumerStatus } from "../services/KafkaConsumer.ts"
import type { ConsumedBatch, ConsumedMessage } from "../services/KafkaConsumer.ts"
import type { KafkaConsumerError } from "../services/KafkaErrors.ts"
import { replayFrom } from "./KafkaReplay.ts"
import { connectWithin, disconnect, ensureTopics, kafkaRetry, makeKafka } from "./KafkaClient.ts"
import { KafkaBatchCursor } from "./KafkaBatchCursor.ts"
import { KafkaCommitQueue } from "./KafkaCommitQueue.ts"
import { KafkaConfig } from "./KafkaConfig.ts"
import { consumerFailure, toConsumerError } from "./KafkaErrors.ts"

const partitionsConsumedConcurrently = 3

/** Most messages per batch handed to the stream: a kafkajs batch is cut into runs of at most this many. */
const maxBatchMessages = 256

const headerText = (value: IHeaders[string]): string | undefined => {
  const last = Array.isArray(value) ? value[value.length - 1] : value
  return last === undefined ? undefined : last.toString()
}

/** A kafkajs message as the service hands it out (repeated headers: the last one wins). */
export const toConsumedMessage = (topic: string, partition: number, message: KafkaMessage): ConsumedMessage => {
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    const text = headerText(value)
    if (text !== undefined) headers[name] = text
  }
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key ?? null,
    value: message.value ?? null,
    headers,
    timestamp: Number(message.timestamp)
  }
}

/** Messages between the position of a fetched batch and the partition's end, by partition. */
const consumerLag = Metric.gauge("kafka_consumer_lag", { description: "messages behind the end of the partition, at the last fetch" })

/** Between attempts to rejoin after a crash kafkajs does not restart from: 1 s doubling to 10 s. */
const rejoinBackoff = Schedule.min([Schedule.exponential("1 second"), Schedule.spaced("10 seconds")])

const groupLost = new Set(["REBALANCE_IN_PROGRESS", "NOT_COORDINATOR_FOR_GROUP", "ILLEGAL_GENERATION", "UNKNOWN_MEMBER_ID"])
const losesGroup = (error: unknown) =>
  typeof error === "object" && error !== null && groupLost.has(String((error as { type?: unknown }).type))

/**
 * The kafkajs consumer: a bounded, backpressured stream of batches; offsets committed as the stream hands them over.
 * After a crash kafkajs does not restart from (it gives up at once on a lost coordinator while a broker stops), the consumer
 * rejoins by itself when the cause is transient; only a permanent one fails the stream.
 */
export const layer: Layer.Layer<KafkaConsumer | KafkaConsumerStatus, KafkaConsumerError, KafkaConfig> = Layer
  .effectContext(Effect.gen(function*() {
    const config = yield* KafkaConfig
    const kafka = yield* makeKafka(config)
    // The stream's producer layer ensures the same topic (and the DLQ) and warns about its settings once.
    yield* ensureTopics(kafka, config, [config.topic], consumerFailure, { warn: false })
    // The buffer holds messages in batches of up to `batchMessages`: KAFKA_CONSUMER_BUFFER messages at most, in one batch at least.
    const batchMessages = Math.min(maxBatchMessages, config.consumerBuffer)
    const queue = yield* Queue.bounded<ConsumedBatch, KafkaConsumerError>(Math.max(1, Math.floor(config.consumerBuffer / batchMessages)))
    const runPromise = yield* FiberSet.makeRuntimePromise()
    const runFork = yield* FiberSet.makeRuntime()
    const crashes = yield* Queue.unbounded<unknown>()
    let generation = 0
    let joined = false
    let closing = false
    let buffered = 0
    let assignment: IMemberAssignment = {}
    const cursor = new KafkaBatchCursor()
    const key = (topic: string, partition: number) => `${topic}\u0000${partition}`
    const assigned = (position: CommitPosition) => assignment[position.topic]?.includes(position.partition) === true

    const consumer = kafka.consumer({
      groupId: config.groupId,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 1_000,
      maxBytesPerPartition: config.fetchMaxBytes,
      maxBytes: Math.max(10_485_760, config.fetchMaxBytes),
      sessionTimeout: Duration.toMillis(config.sessionTimeout),
      heartbeatInterval: Math.max(100, Math.floor(Duration.toMillis(config.sessionTimeout) / 3)),
      retry: kafkaRetry
    })

    const commits = new KafkaCommitQueue(assigned)
    /** One commit request at a time, so they reach the coordinator in the order their positions were taken. */
    const commitLock = yield* Semaphore.make(1)
    const commitPositions = (positions: ReadonlyArray<CommitPosition>) =>
      commitLock.withPermit(Effect.suspend(() => {
        const fresh = commits.fresh(positions)
        if (fresh.length === 0) return Effect.void
        return Effect.tryPromise({
          try: () => consumer.commitOffsets(fresh.map((position) => ({ ...position }))),
          catch: (error) => toConsumerError(error, `committing offsets of group ${config.groupId}`)
        }).pipe(
          Effect.tap(() => Effect.sync(() => commits.acknowledge(fresh))),
          Effect.tapError(() => Effect.sync(() => commits.failed(fresh)))
        )
      }))
    const flush = Effect.suspend(() => joined ? commitPositions(commits.take()) : Effect.void).pipe(Effect.uninterruptible)
    const commitInBackground = (positions: ReadonlyArray<CommitPosition>) =>
      runFork(commitPositions(positions).pipe(Effect.ignore({ log: "Warn", message: "Kafka offset commit at rebalance failed" })))

    consumer.on(consumer.events.REBALANCING, () => {
      const positions = joined ? commits.take() : []
      joined = false
      generation++
      commitInBackground(positions)
    })
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      assignment = payload.memberAssignment
      generation++
      cursor.joined()
      joined = true
      commitInBackground(commits.take(assigned))
      const partitions = Object.entries(assignment).map(([topic, ps]) => `${topic} [${[...ps].sort((a, b) => a - b).join(",")}]`)
      runFork(Effect.logInfo(`joined group ${config.groupId}: ${partitions.join("; ") || "no partitions"}`))
    })
    consumer.on(consumer.events.CRASH, ({ payload: { error, restart } }) => {
      joined = false
      generation++
      if (!restart) Queue.offerUnsafe(crashes, error)
    })
    consumer.on(consumer.events.STOP, () => {
      joined = false
    })
    // A heartbeat the coordinator accepts means this member is in a stable generation. kafkajs can go back to fetching
    // without a GROUP_JOIN after a rebalance whose join failed (a restarted coordinator still loading the group,
    // COORDINATOR_LOAD_IN_PROGRESS, is retried by re-entering its fetch loop): without this, the member would consume on
    // and never commit, nor be ready, until its next rebalance.
    consumer.on(consumer.events.HEARTBEAT, () => {
      if (!closing) joined = true
    })

    const keepAlive = (payload: EachBatchPayload, current: () => boolean) =>
      Effect.tryPromise({ try: () => payload.heartbeat(), catch: (error) => error }).pipe(
        Effect.catch((error) => losesGroup(error) ? Effect.sync(() => generation++).pipe(Effect.andThen(Effect.fail(error))) : Effect.void),
        Effect.repeat({ schedule: Schedule.spaced("500 millis"), while: current }),
        Effect.as(false)
      )

    const pullBatch = Effect.fnUntraced(function*(payload: EachBatchPayload) {
      const pulledIn = generation
      const current = () => !closing && pulledIn === generation && payload.isRunning() && !payload.isStale()
      const { topic, partition, messages } = payload.batch
      yield* Metric.update(Metric.withAttributes(consumerLag, { partition: String(partition) }), Number(payload.batch.offsetLagLow()))
      const k = key(topic, partition)
      for (let i = 0; i < messages.length; i += batchMessages) {
        if (!current()) return
        const run = messages.slice(i, i + batchMessages)
        const { from, join, start } = cursor.begin(k, Number(run[0]!.offset))
        const batch: ConsumedBatch = {
          topic,
          partition,
          from,
          start,
          messages: run.map((message) => toConsumedMessage(topic, partition, message))
        }
        const offered = Queue.offerUnsafe(queue, batch) ||
          (yield* Queue.offer(queue, batch).pipe(Effect.raceFirst(keepAlive(payload, current))))
        if (!offered) return
        buffered += run.length
        // handed to the stream, but kafkajs has moved on: it reads this run again (and the stream handles it twice)
        if (!current()) return
        const last = run[run.length - 1]!.offset
        cursor.handed(k, join, Number(last))
        payload.resolveOffset(last)
      }
    })

    yield* Effect.addFinalizer(() =>
      Effect.gen(function*() {
        closing = true
        yield* Queue.shutdown(queue)
        yield* Effect.try(() => consumer.pause([{ topic: config.topic }])).pipe(Effect.ignore)
        yield* flush.pipe(
          Effect.timeout(config.connectTimeout),
          Effect.ignore({ log: "Warn", message: "final Kafka offset commit failed" })
        )
        yield* disconnect("Kafka consumer", consumer)
      })
    )
    const run = () =>
      consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently,
        eachBatch: (payload) => runPromise(pullBatch(payload))
      })
    if (Option.isSome(config.replayFrom)) yield* replayFrom(kafka, config.groupId, config.topic, config.replayFrom.value)
    yield* connectWithin(config, "Kafka consumer", () => consumer.connect(), consumerFailure, kafka)
    yield* Effect.tryPromise({
      try: async () => {
        await consumer.subscribe({ topics: [config.topic], fromBeginning: config.startFrom === "earliest" })
        await run()
      },
      catch: (error) => toConsumerError(error, `joining group ${config.groupId} on ${config.topic}`)
    })
    const rejoin = Effect.tryPromise({
      try: async () => {
        await consumer.connect()
        await run()
      },
      catch: (error) => toConsumerError(error, `rejoining group ${config.groupId} on ${config.topic}`)
    }).pipe(Effect.retry({ schedule: rejoinBackoff, while: (error) => error.retryable && !closing }))
    const recover = (error: unknown) => {
      const crash = toConsumerError(error, "Kafka consumer crashed")
      return crash.retryable
        ? Effect.logWarning(`${crash.message}; rejoining the group`).pipe(Effect.andThen(Effect.delay(rejoin, "1 second")))
        : Effect.fail(crash)
    }
    yield* Queue.take(crashes).pipe(
      Effect.flatMap(recover),
      Effect.forever,
      Effect.catch((error) => Effect.sync(() => Queue.failCauseUnsafe(queue, Cause.fail(error)))),
      Effect.forkScoped
    )
    yield* flush.pipe(
      Effect.catch((error) => Effect.logWarning("Kafka offset commit failed; retrying at the next interval", error.message)),
      Effect.repeat(Schedule.spaced(config.commitInterval)),
      Effect.forkScoped
    )

    const commit = (positions: ReadonlyArray<CommitPosition>) => Effect.sync(() => commits.hand(positions))
    const batches = Stream.fromQueue(queue).pipe(Stream.tap((batch) => Effect.sync(() => (buffered -= batch.messages.length))))
    return Context.make(KafkaConsumer, KafkaConsumer.of({
      batches,
      commit,
      flush: flush.pipe(Effect.withSpan("KafkaConsumer.flush", {
        attributes: { "messaging.system": "kafka", "messaging.consumer.group.name": config.groupId }
      }))
    })).pipe(
      Context.add(KafkaConsumerStatus, KafkaConsumerStatus.of({
        joined: Effect.sync(() => joined),
        buffered: Effect.sync(() => buffered)
      }))
    )
  }))
