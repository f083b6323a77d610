import { assert, describe, it } from "@effect/vitest"
import kafkajs from "kafkajs"
import { isRetriable, losesProducerState, toKafkaError } from "../../src/layers/KafkaErrors.ts"

const {
  KafkaJSAggregateError,
  KafkaJSConnectionError,
  KafkaJSError,
  KafkaJSGroupCoordinatorNotFound,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  KafkaJSRequestTimeoutError,
  KafkaJSSASLAuthenticationError
} = kafkajs

const protocol = (type: string, retriable: boolean) =>
  new KafkaJSProtocolError(Object.assign(new Error(`broker says ${type}`), { type, code: 0, retriable }))

const SaslAuthenticationError = KafkaJSSASLAuthenticationError as unknown as new(message: string) => Error

const NonRetriable = KafkaJSNonRetriableError as unknown as new(error: Error, options: { cause: Error }) => Error
const CoordinatorNotFound = KafkaJSGroupCoordinatorNotFound as unknown as new(message: string) => Error

/** How kafkajs's retrier wraps an error it gives up on at once (the consumer crashes with it, unrestarted, when the broker stops). */
const notRetried = (cause: Error) => new NonRetriable(cause, { cause })

const retriesExceeded = (cause: Error) => new KafkaJSNumberOfRetriesExceeded(cause, { retryCount: 10, retryTime: 30_000 })

const kafkaErrorKind = (error: unknown) => isRetriable(error) ? "unavailable" : "rejected"

describe("kafkaErrorKind", () => {
  it("treats lost connections, timeouts and exhausted retries as unavailable", () => {
    for (
      const error of [
        new KafkaJSConnectionError("Connection error: connect ECONNREFUSED 127.0.0.1:9092"),
        new KafkaJSRequestTimeoutError("Request Produce timed out", {
          broker: "127.0.0.1:9092",
          clientId: "users-pipeline",
          correlationId: 1,
          createdAt: 0,
          sentAt: 0,
          pendingDuration: 0
        }),
        retriesExceeded(new KafkaJSConnectionError("Connection error")),
        new KafkaJSError("something transient")
      ]
    ) {
      assert.strictEqual(kafkaErrorKind(error), "unavailable", error.message)
    }
  })

  it("treats retriable broker answers (leader moving, not enough replicas) as unavailable", () => {
    for (const type of ["LEADER_NOT_AVAILABLE", "NOT_LEADER_OR_FOLLOWER", "NOT_ENOUGH_REPLICAS", "REQUEST_TIMED_OUT"]) {
      assert.strictEqual(kafkaErrorKind(protocol(type, true)), "unavailable", type)
    }
  })

  it("treats authorization, authentication, size and unknown-topic answers as rejected, even after retries", () => {
    for (
      const error of [
        protocol("TOPIC_AUTHORIZATION_FAILED", false),
        protocol("MESSAGE_TOO_LARGE", false),
        protocol("INVALID_REPLICATION_FACTOR", false),
        retriesExceeded(protocol("UNKNOWN_TOPIC_OR_PARTITION", true)),
        new SaslAuthenticationError("SASL PLAIN authentication failed"),
        new KafkaJSNonRetriableError("Invalid topic")
      ]
    ) {
      assert.strictEqual(kafkaErrorKind(error), "rejected", error.message)
    }
  })

  it("classifies an error kafkajs gave up on at once by its cause: a lost coordinator or connection is unavailable", () => {
    assert.strictEqual(kafkaErrorKind(notRetried(new CoordinatorNotFound("Failed to find group coordinator"))), "unavailable")
    assert.strictEqual(kafkaErrorKind(notRetried(new KafkaJSConnectionError("Connection error"))), "unavailable")
    assert.strictEqual(kafkaErrorKind(notRetried(protocol("GROUP_AUTHORIZATION_FAILED", false))), "rejected")
    assert.strictEqual(kafkaErrorKind(notRetried(protocol("OUT_OF_ORDER_SEQUENCE_NUMBER", false))), "rejected")
    assert.strictEqual(kafkaErrorKind(notRetried(new TypeError("cannot read properties of undefined"))), "rejected")
  })

  it("classifies an aggregate by its parts: unavailable only when every part is", () => {
    const transient = new KafkaJSAggregateError("create topics", [protocol("REQUEST_TIMED_OUT", true)])
    const permanent = new KafkaJSAggregateError("create topics", [
      protocol("REQUEST_TIMED_OUT", true),
      protocol("INVALID_REPLICATION_FACTOR", false)
    ])
    assert.strictEqual(kafkaErrorKind(transient), "unavailable")
    assert.strictEqual(kafkaErrorKind(permanent), "rejected")
    assert.strictEqual(kafkaErrorKind(new KafkaJSAggregateError("empty", [])), "rejected")
  })

  it("treats anything that is not a kafkajs error as rejected", () => {
    assert.strictEqual(kafkaErrorKind(new TypeError("cannot read properties of undefined")), "rejected")
    assert.strictEqual(kafkaErrorKind("boom"), "rejected")
    assert.strictEqual(kafkaErrorKind(undefined), "rejected")
  })
})

describe("losesProducerState", () => {
  it("is true when the broker refuses the idempotent producer's sequence numbers or id, also after retries", () => {
    for (const type of ["OUT_OF_ORDER_SEQUENCE_NUMBER", "UNKNOWN_PRODUCER_ID", "INVALID_PRODUCER_EPOCH"]) {
      assert.isTrue(losesProducerState(protocol(type, false)), type)
      assert.isTrue(losesProducerState(retriesExceeded(protocol(type, false))), type)
    }
  })

  it("is false for an unavailable broker or another refusal", () => {
    assert.isFalse(losesProducerState(new KafkaJSConnectionError("Connection error")))
    assert.isFalse(losesProducerState(protocol("MESSAGE_TOO_LARGE", false)))
    assert.isFalse(losesProducerState(protocol("NOT_LEADER_OR_FOLLOWER", true)))
  })
})

describe("toKafkaError", () => {
  it("tags by kind and says what was being done", () => {
    const unavailable = toKafkaError(new KafkaJSConnectionError("Connection error"), "sending 3 records to users_created")
    const rejected = toKafkaError(protocol("MESSAGE_TOO_LARGE", false), "sending 1 records to users_created")
    assert.strictEqual(unavailable._tag, "KafkaUnavailable")
    assert.strictEqual(unavailable.message, "sending 3 records to users_created: KafkaJSConnectionError: Connection error")
    assert.strictEqual(rejected._tag, "KafkaRejected")
    assert.include(rejected.message, "broker says MESSAGE_TOO_LARGE")
  })
})
