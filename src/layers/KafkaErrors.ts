// How a kafkajs failure is told apart: transient (retrying can help) or permanent, and the service errors it becomes.
import { KafkaRejected, KafkaUnavailable } from "../services/KafkaProducer.ts"
import type { KafkaProduceError } from "../services/KafkaProducer.ts"

const permanentTypes = new Set([
  "UNKNOWN_TOPIC_OR_PARTITION",
  "TOPIC_AUTHORIZATION_FAILED",
  "GROUP_AUTHORIZATION_FAILED",
  "CLUSTER_AUTHORIZATION_FAILED",
  "SASL_AUTHENTICATION_FAILED",
  "MESSAGE_TOO_LARGE",
  "RECORD_LIST_TOO_LARGE",
  "INVALID_RECORD",
  "INVALID_REPLICATION_FACTOR",
  "INVALID_PARTITIONS",
  "POLICY_VIOLATION"
])

const transientNames = new Set([
  "KafkaJSNumberOfRetriesExceeded",
  "KafkaJSConnectionError",
  "KafkaJSConnectionClosedError",
  "KafkaJSRequestTimeoutError",
  "KafkaJSBrokerNotFound",
  "KafkaJSNoBrokerAvailableError",
  "KafkaJSTimeout",
  "KafkaJSLockTimeout",
  "KafkaJSGroupCoordinatorNotFound",
  "KafkaJSMetadataNotLoaded",
  "KafkaJSTopicMetadataNotLoaded"
])

interface KafkaJSLike {
  readonly name?: unknown
  readonly type?: unknown
  readonly retriable?: unknown
  readonly cause?: unknown
  readonly errors?: unknown
}

const errorChain = (error: unknown): Array<KafkaJSLike> => {
  if (typeof error !== "object" || error === null) return []
  const e = error as KafkaJSLike
  const nested = Array.isArray(e.errors) ? e.errors.flatMap(errorChain) : []
  return [e, ...errorChain(e.cause), ...nested]
}

const isObject = (value: unknown): value is KafkaJSLike => typeof value === "object" && value !== null

const isTransient = (error: KafkaJSLike): boolean =>
  error.name === "KafkaJSAggregateError"
    ? Array.isArray(error.errors) && error.errors.length > 0 && error.errors.every((inner) => isObject(inner) && isTransient(inner))
    : error.name === "KafkaJSNonRetriableError" && isObject(error.cause) && error.cause !== error
    ? isTransient(error.cause)
    : (typeof error.name === "string" && transientNames.has(error.name)) || error.retriable === true

/** Whether a failed kafkajs call may succeed if tried again ("unavailable") or never will ("rejected"). */
export const kafkaErrorKind = (error: unknown): "unavailable" | "rejected" => {
  const chain = errorChain(error)
  if (chain.some((e) => typeof e.type === "string" && permanentTypes.has(e.type))) return "rejected"
  return chain[0] !== undefined && isTransient(chain[0]) ? "unavailable" : "rejected"
}

const producerStateTypes = new Set(["OUT_OF_ORDER_SEQUENCE_NUMBER", "UNKNOWN_PRODUCER_ID", "INVALID_PRODUCER_EPOCH"])

/** Whether the broker refused an idempotent producer's id or sequence numbers: only a new producer can send again. */
export const losesProducerState = (error: unknown): boolean =>
  errorChain(error).some((e) => typeof e.type === "string" && producerStateTypes.has(e.type))

/** One line describing a kafkajs failure. */
export const describeKafkaError = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error)

/** Maps a kafkajs failure to the service errors: `KafkaUnavailable` when retrying can help, `KafkaRejected` otherwise. */
export const toKafkaError = (error: unknown, context: string): KafkaProduceError => {
  const message = `${context}: ${describeKafkaError(error)}`
  return kafkaErrorKind(error) === "unavailable" ? new KafkaUnavailable({ message }) : new KafkaRejected({ message })
}
