// How a kafkajs failure becomes a Kafka service error: by its class and kafkajs' own `retriable` flag.
import kafkajs from "kafkajs"
import { KafkaConsumerError, KafkaRejected, KafkaUnavailable } from "../services/KafkaErrors.ts"
import type { KafkaError } from "../services/KafkaErrors.ts"

const {
  KafkaJSAggregateError,
  KafkaJSError,
  KafkaJSGroupCoordinatorNotFound,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  KafkaJSTimeout
} = kafkajs

/** A broker answer kafkajs retries (metadata can lag a topic's creation); the layers ensured the topics at start, so it stays. */
const unknownTopic = (error: unknown): boolean =>
  error instanceof KafkaJSProtocolError && error.type === "UNKNOWN_TOPIC_OR_PARTITION"

/**
 * Whether a failed kafkajs call may succeed if tried again: an aggregate when every part may; exhausted retries unless
 * what kept failing is a refusal; a call kafkajs gave up on at once as its cause; a lost group coordinator or a deadline
 * (non-retriable to kafkajs, but they pass); any other kafkajs error by its `retriable` flag. Anything else is a bug: no.
 */
export const isRetriable = (error: unknown): boolean => {
  if (error instanceof KafkaJSAggregateError) return error.errors.length > 0 && error.errors.every(isRetriable)
  if (unknownTopic(error)) return false
  if (error instanceof KafkaJSNumberOfRetriesExceeded) return !(error.cause instanceof KafkaJSError) || isRetriable(error.cause)
  if (error instanceof KafkaJSGroupCoordinatorNotFound || error instanceof KafkaJSTimeout) return true
  if (error instanceof KafkaJSNonRetriableError) return error.cause !== undefined && error.cause !== error && isRetriable(error.cause)
  return error instanceof KafkaJSError && error.retriable
}

/** The failure and the failures it wraps (kafkajs' `cause`). */
const causes = (error: unknown): Array<unknown> =>
  error instanceof KafkaJSError && error.cause !== undefined && error.cause !== error ? [error, ...causes(error.cause)] : [error]

const producerStateTypes: ReadonlySet<string> = new Set(["OUT_OF_ORDER_SEQUENCE_NUMBER", "UNKNOWN_PRODUCER_ID", "INVALID_PRODUCER_EPOCH"])

/** Whether the broker refused an idempotent producer's id or sequence numbers: only a new producer can send again. */
export const losesProducerState = (error: unknown): boolean =>
  causes(error).some((e) => e instanceof KafkaJSProtocolError && producerStateTypes.has(e.type))

/** How one side of the client states a failure of `context`: its error type, told whether trying again can help. */
export type KafkaFailure<E> = (context: string, cause: unknown, retryable: boolean) => E

/** The producer's and the admin's: `KafkaUnavailable` when trying again can help, `KafkaRejected` otherwise. */
export const kafkaFailure: KafkaFailure<KafkaError> = (context, cause, retryable) =>
  retryable ? new KafkaUnavailable({ context, cause }) : new KafkaRejected({ context, cause })

/** The consumer's: `KafkaConsumerError`, retryable or not. */
export const consumerFailure: KafkaFailure<KafkaConsumerError> = (context, cause, retryable) =>
  new KafkaConsumerError({ context, cause, retryable })

/** A kafkajs failure of `context` as `fail` states it, classified by `isRetriable`. */
export const classifyWith = <E>(fail: KafkaFailure<E>) => (error: unknown, context: string): E =>
  fail(context, error, isRetriable(error))

/** Maps a kafkajs failure to `KafkaUnavailable` when retrying can help, `KafkaRejected` otherwise. */
export const toKafkaError = classifyWith(kafkaFailure)

/** Maps a kafkajs failure to a `KafkaConsumerError` that says whether retrying can help. */
export const toConsumerError = classifyWith(consumerFailure)
