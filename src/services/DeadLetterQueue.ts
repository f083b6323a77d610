import { Context } from "effect"
import type { Effect, Scope } from "effect"
import type { DeadLetterInfo } from "../domain/DeadLetter.ts"
import type { RedriveCursor } from "../domain/RedriveCursor.ts"
import type { PartitionOffsets } from "./KafkaInspector.ts"
import type { KafkaError } from "./KafkaErrors.ts"

/** A message of the dead-letter topic: the original key, value and headers, plus what its `dlq-*` headers say. */
export interface DeadLetter {
  readonly partition: number
  readonly offset: number
  readonly key: Uint8Array | null
  readonly value: Uint8Array | null
  readonly headers: Readonly<Record<string, string>>
  /** When it was dead-lettered (the DLQ record's timestamp), epoch millis. */
  readonly timestamp: number
  readonly info: DeadLetterInfo
}

/** The letters a redrive group has not settled yet, read as one member of that group. */
export interface RedriveSession {
  /** Every letter from each partition's cursor up to the topic's end when the session opened, in offset order. */
  readonly letters: ReadonlyArray<DeadLetter>
  readonly cursors: ReadonlyArray<RedriveCursor>
  /** Commits the cursors (offset + settled letters after it in the metadata) for the group. */
  readonly commit: (cursors: ReadonlyArray<RedriveCursor>) => Effect.Effect<void, KafkaError>
}

export interface DeadLetterQueueShape {
  readonly topic: string
  /** Each partition's offsets; the letter count is the sum of `high - low`. */
  readonly offsets: Effect.Effect<ReadonlyArray<PartitionOffsets>, KafkaError>
  /** The newest `limit` letters (of `errorType` only, when given), newest first. */
  readonly newest: (limit: number, errorType: string | undefined) => Effect.Effect<ReadonlyArray<DeadLetter>, KafkaError>
  /** Joins `groupId` on the dead-letter topic and reads what it has not settled; fails if the group has live members. */
  readonly openRedrive: (groupId: string) => Effect.Effect<RedriveSession, KafkaError, Scope.Scope>
}

export class DeadLetterQueue extends Context.Service<DeadLetterQueue, DeadLetterQueueShape>()(
  "users-pipeline/services/DeadLetterQueue"
) {}
