import { Effect, Layer } from "effect"
import { randomUUID } from "node:crypto"
import { deadLetterInfo } from "../domain/DeadLetter.ts"
import { cursorMetadata, parseCursor } from "../domain/RedriveCursor.ts"
import { DeadLetterQueue } from "../services/DeadLetterQueue.ts"
import type { DeadLetter, RedriveSession } from "../services/DeadLetterQueue.ts"
import type { ConsumedMessage } from "../services/KafkaConsumer.ts"
import { KafkaInspector } from "../services/KafkaInspector.ts"
import { KafkaRejected } from "../services/KafkaErrors.ts"
import { makeKafka } from "./KafkaClient.ts"
import { KafkaConfig } from "./KafkaConfig.ts"
import { readRanges } from "./KafkaRangeReader.ts"

const toDeadLetter = (message: ConsumedMessage): DeadLetter => ({
  partition: message.partition,
  offset: Number(message.offset),
  key: message.key,
  value: message.value,
  headers: message.headers,
  timestamp: message.timestamp,
  info: deadLetterInfo(message.headers)
})

const failedAt = (letter: DeadLetter) => letter.info.failedAt?.getTime() ?? letter.timestamp

/** The dead-letter topic `KAFKA_DLQ_TOPIC` over kafkajs: offsets from the admin API, letters read by a short-lived group member. */
export const layer: Layer.Layer<DeadLetterQueue, never, KafkaInspector | KafkaConfig> = Layer.effect(
  DeadLetterQueue,
  Effect.gen(function*() {
    const config = yield* KafkaConfig
    const inspector = yield* KafkaInspector
    const kafka = yield* makeKafka(config)
    const topic = config.dlqTopic
    const offsets = inspector.topicOffsets(topic)

    const newest = Effect.fn("DeadLetterQueue.newest")(function*(limit: number, errorType: string | undefined) {
      const partitions = yield* offsets
      const ranges = partitions.map(({ partition, low, high }) => ({
        partition,
        from: errorType === undefined ? Math.max(low, high - limit) : low,
        to: high
      }))
      const reading = yield* readRanges(kafka, config, `users-pipeline-inspect-${randomUUID()}`, topic, ranges)
      return reading.messages.map(toDeadLetter)
        .filter((letter) => errorType === undefined || letter.info.errorType === errorType)
        .sort((a, b) => failedAt(b) - failedAt(a) || b.offset - a.offset)
        .slice(0, limit)
    }, Effect.scoped)

    const openRedrive = Effect.fn("DeadLetterQueue.openRedrive")(function*(groupId: string) {
      const group = yield* inspector.describeGroup(groupId, topic)
      if (group.members.length > 0) {
        return yield* new KafkaRejected({
          context: `group ${groupId} has ${group.members.length} live member(s) on ${topic}: another redrive is running`
        })
      }
      const partitions = yield* offsets
      const committed = new Map((yield* inspector.committedOffsets(groupId, topic)).map((c) => [c.partition, c]))
      const cursors = partitions.map(({ partition, low }) =>
        parseCursor(partition, committed.get(partition)?.offset ?? null, committed.get(partition)?.metadata ?? null, low))
      const ranges = cursors.map((cursor) => ({
        partition: cursor.partition,
        from: cursor.next,
        to: partitions.find((p) => p.partition === cursor.partition)!.high
      }))
      const reading = yield* readRanges(kafka, config, groupId, topic, ranges)
      const session: RedriveSession = {
        letters: reading.messages.map(toDeadLetter),
        cursors,
        commit: (next) =>
          reading.commit(next.map((cursor) => ({ partition: cursor.partition, offset: cursor.next, metadata: cursorMetadata(cursor) })))
      }
      return session
    })

    return DeadLetterQueue.of({ topic, offsets, newest, openRedrive })
  })
)
