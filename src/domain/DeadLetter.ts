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
  failedAt: "dlq-failed-at",
  /** How many times the message was republished from the dead-letter topic; kept through every later dead-lettering. */
  redriveCount: "dlq-redrive-count"
} as const

/** Why a message was dead-lettered: it is poison, or Cassandra refused its row for the row's own values. */
export type DeadLetterReason = PoisonMessage["reason"] | "CassandraRejected"

const maxMessageLength = 1_000

/** The headers that tell a reader of the dead-letter topic what went wrong and where. */
export const deadLetterHeaders = (
  error: { readonly reason: DeadLetterReason; readonly message: string },
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

/** What a dead letter's headers say about it (fields the headers lack are undefined; the count defaults to 0). */
export interface DeadLetterInfo {
  readonly errorType: string | undefined
  readonly errorMessage: string | undefined
  readonly sourceTopic: string | undefined
  readonly sourcePartition: number | undefined
  readonly sourceOffset: string | undefined
  readonly failedAt: Date | undefined
  readonly redriveCount: number
}

const finite = (text: string | undefined): number | undefined => {
  const n = text === undefined ? Number.NaN : Number(text)
  return Number.isFinite(n) ? n : undefined
}

/** Reads the `dlq-*` headers of a dead letter. */
export const deadLetterInfo = (headers: Readonly<Record<string, string>>): DeadLetterInfo => {
  const failedAt = headers[DeadLetterHeader.failedAt] === undefined ? undefined : new Date(headers[DeadLetterHeader.failedAt])
  return {
    errorType: headers[DeadLetterHeader.errorType],
    errorMessage: headers[DeadLetterHeader.errorMessage],
    sourceTopic: headers[DeadLetterHeader.sourceTopic],
    sourcePartition: finite(headers[DeadLetterHeader.sourcePartition]),
    sourceOffset: headers[DeadLetterHeader.sourceOffset],
    failedAt: failedAt === undefined || Number.isNaN(failedAt.getTime()) ? undefined : failedAt,
    redriveCount: Math.max(0, Math.trunc(finite(headers[DeadLetterHeader.redriveCount]) ?? 0))
  }
}

/** The headers a redriven letter is republished with: its original ones (no `dlq-*`) and the redrive count plus one. */
export const redrivenHeaders = (headers: Readonly<Record<string, string>>): Record<string, string> => ({
  ...Object.fromEntries(Object.entries(headers).filter(([name]) => !name.startsWith("dlq-"))),
  [DeadLetterHeader.redriveCount]: String(deadLetterInfo(headers).redriveCount + 1)
})
