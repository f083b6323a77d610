import { assert, describe, it } from "@effect/vitest"
import { Duration } from "effect"
import cassandra from "cassandra-driver"
import kafkajs from "kafkajs"
import { classifyDriverError } from "../../src/layers/CassandraErrors.ts"
import { toConsumerError, toKafkaError } from "../../src/layers/KafkaErrors.ts"
import { CassandraRejected, CassandraUnavailable } from "../../src/services/CassandraRepo.ts"
import { HttpUsersRejected, HttpUsersUnavailable } from "../../src/services/HttpUsers.ts"
import { JaegerUnavailable } from "../../src/services/JaegerQuery.ts"

describe("service errors", () => {
  it("keep the driver's failure as their cause and build their message from the context and that cause", () => {
    const refused = new kafkajs.KafkaJSConnectionError("Connection error")
    const kafka = toKafkaError(refused, "sending 1 records to users_created")
    assert.strictEqual(kafka.cause, refused)
    assert.strictEqual(kafka.message, "sending 1 records to users_created: KafkaJSConnectionError: Connection error")
    const consumer = toConsumerError(refused, "joining group users-stream on users_created")
    assert.strictEqual(consumer.cause, refused)
    assert.strictEqual(consumer.message, "joining group users-stream on users_created: KafkaJSConnectionError: Connection error")
    const timeout = new cassandra.errors.OperationTimedOutError("no answer", "127.0.0.1:9042")
    const row = classifyDriverError(timeout, "writing")
    assert.strictEqual(row.cause, timeout)
    assert.strictEqual(row.message, "writing: no answer")
    assert.strictEqual(new JaegerUnavailable({ context: "Jaeger did not answer", cause: new Error("ECONNREFUSED") }).message, "Jaeger did not answer: ECONNREFUSED")
    assert.strictEqual(new HttpUsersRejected({ context: "HTTP 404", status: 404 }).message, "HTTP 404")
  })

  it("say whether a retry can help, and how long the server asked to wait", () => {
    assert.isTrue(toKafkaError(new kafkajs.KafkaJSConnectionError("Connection error"), "sending").retryable)
    assert.isFalse(toKafkaError(new TypeError("bug"), "sending").retryable)
    assert.isTrue(toConsumerError(new kafkajs.KafkaJSConnectionError("Connection error"), "joining").retryable)
    assert.isTrue(new CassandraUnavailable({ context: "write timeout" }).retryable)
    assert.isFalse(new CassandraRejected({ context: "unauthorized", affects: "every-row" }).retryable)
    const limited = new HttpUsersUnavailable({ reason: "RateLimited", context: "HTTP 429", status: 429, retryAfterMillis: 2_000 })
    assert.isTrue(limited.retryable)
    assert.isTrue(Duration.equals(limited.retryAfter!, Duration.seconds(2)))
    assert.isUndefined(new HttpUsersUnavailable({ reason: "ServerError", context: "HTTP 503", status: 503 }).retryAfter)
    assert.isFalse(new HttpUsersRejected({ context: "HTTP 404", status: 404 }).retryable)
  })
})
