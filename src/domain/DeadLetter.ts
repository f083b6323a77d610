import type { PoisonMessage } from "./Poison.ts"

/** Where a poison message came from. */
export interface MessageOrigin {
  readonly topic: string
  readonly partition: number
  readonly offset: string
}

/** Header names on a dead-lettered message (its key and value bytes are the original ones). */
export const DeadLetterHeader = {
  errorType: "dlq-error-type",
  errorMessage: "dlq-error-message",
  sourceTopic: "dlq-source-topic",
  sourcePartition: "dlq-source-partition",
  sourceOffset: "dlq-source-offset",
  failedAt: "dlq-failed-at"
} as const

const maxMessageLength = 1_000

/** The headers that tell a reader of the dead-letter topic what went wrong and where. */
export const deadLetterHeaders = (
  error: PoisonMessage,
  origin: MessageOrigin,
  failedAt: Date
): Record<string, string> => ({
  [DeadLetterHeader.errorType]: error.reason,
  [DeadLetterHeader.errorMessage]: error.message.slice(0, maxMessageLength),
  [DeadLetterHeader.sourceTopic]: origin.topic,
  [DeadLetterHeader.sourcePartition]: String(origin.partition),
  [DeadLetterHeader.sourceOffset]: origin.offset,
  [DeadLetterHeader.failedAt]: failedAt.toISOString()
})
