// The errors of every Kafka service (producer, consumer, inspector, dead-letter queue): what was being done, the kafkajs
// failure underneath, and whether trying again can help.
import { Schema } from "effect"
import { causeFields, messageOf } from "../domain/ErrorCause.ts"

/** A kafkajs failure as one line: its class name and message. */
const describeKafkaCause = (cause: unknown): string => cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)

/** The broker could not take the request now (leader moving, broker down, timeout); sending again can help. */
export class KafkaUnavailable extends Schema.TaggedError<KafkaUnavailable>()("KafkaUnavailable", causeFields) {
  override get message(): string {
    return messageOf(this.context, this.cause, describeKafkaCause)
  }
  get retryable(): boolean {
    return true
  }
}

/** The broker rejected the request for good (unknown topic, authorization, record too large). */
export class KafkaRejected extends Schema.TaggedError<KafkaRejected>()("KafkaRejected", causeFields) {
  override get message(): string {
    return messageOf(this.context, this.cause, describeKafkaCause)
  }
  get retryable(): boolean {
    return false
  }
}

export type KafkaError = KafkaUnavailable | KafkaRejected

/** The consumer lost its connection or group membership (it may recover by itself: `retryable`), or could not start. */
export class KafkaConsumerError extends Schema.TaggedError<KafkaConsumerError>()("KafkaConsumerError", {
  ...causeFields,
  retryable: Schema.Boolean
}) {
  override get message(): string {
    return messageOf(this.context, this.cause, describeKafkaCause)
  }
}
