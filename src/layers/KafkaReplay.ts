import { Effect } from "effect"
import type { Kafka } from "kafkajs"
import { KafkaConsumerError } from "../services/KafkaErrors.ts"

/**
 * Moves the group's committed offsets of `topic` to the first message at or after `from`
 * (partitions with nothing newer go to their end). Kafka refuses while the group has live members.
 */
export const replayFrom = Effect.fn("Kafka.replayFrom")(function*(kafka: Kafka, groupId: string, topic: string, from: Date) {
  const admin = kafka.admin()
  yield* Effect.tryPromise({
    try: async () => {
      await admin.connect()
      try {
        const offsets = await admin.fetchTopicOffsetsByTimestamp(topic, from.getTime())
        await admin.setOffsets({ groupId, topic, partitions: offsets.map(({ offset, partition }) => ({ partition, offset })) })
      } finally {
        await admin.disconnect()
      }
    },
    catch: (error) =>
      new KafkaConsumerError({
        context: `cannot replay group ${groupId} on ${topic} from ${from.toISOString()} (KAFKA_REPLAY_FROM; stop the group's workers first)`,
        cause: error,
        retryable: false
      })
  })
  yield* Effect.logInfo(`group ${groupId} on ${topic} replays from ${from.toISOString()}`)
})
