import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Option } from "effect"
import { execFileSync } from "node:child_process"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { CassandraConfig, clientOptions } from "../../src/layers/CassandraConfig.ts"
import { KafkaConfig } from "../../src/layers/KafkaConfig.ts"

const dir = mkdtempSync(join(tmpdir(), "tls-config-"))
execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=unit",
  "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")], { stdio: "ignore" })
writeFileSync(join(dir, "not-pem.txt"), "just text\n")
const files = { ca: join(dir, "cert.pem"), cert: join(dir, "cert.pem"), key: join(dir, "key.pem") }

const parse = <A>(config: { parse: (p: ConfigProvider.ConfigProvider) => Effect.Effect<A, unknown> }, env: Record<string, string>) =>
  config.parse(ConfigProvider.fromUnknown(env))

const failure = <A>(config: { parse: (p: ConfigProvider.ConfigProvider) => Effect.Effect<A, unknown> }, env: Record<string, string>) =>
  Effect.map(Effect.flip(parse(config, env)), (error) => String((error as { message: string }).message))

describe("TLS configuration", () => {
  it.effect("Kafka: KAFKA_SSL with a CA bundle, a client certificate and key; the key stays redacted", () =>
    Effect.gen(function*() {
      const config = yield* parse(KafkaConfig.config, {
        KAFKA_SSL: "true", KAFKA_SSL_CA_FILE: files.ca, KAFKA_SSL_CERT_FILE: files.cert, KAFKA_SSL_KEY_FILE: files.key,
        KAFKA_SASL_MECHANISM: "scram-sha-512", KAFKA_SASL_USERNAME: "u", KAFKA_SASL_PASSWORD: "pw-secret-123"
      })
      const ssl = Option.getOrThrow(config.ssl)
      assert.include(Option.getOrThrow(ssl.files.ca), "-----BEGIN CERTIFICATE-----")
      assert.isTrue(ssl.rejectUnauthorized)
      const shown = `${String(config)} ${JSON.stringify(config)} ${String(Option.getOrThrow(ssl.files.key))}`
      assert.notInclude(shown, "PRIVATE KEY")
      assert.notInclude(shown, "pw-secret-123")
    }))

  it.effect("Kafka: without KAFKA_SSL no file is read; KAFKA_SSL_REJECT_UNAUTHORIZED=false is honoured", () =>
    Effect.gen(function*() {
      const plain = yield* parse(KafkaConfig.config, { KAFKA_SSL_CA_FILE: "/nonexistent/ca.pem" })
      assert.isTrue(Option.isNone(plain.ssl))
      const lax = yield* parse(KafkaConfig.config, { KAFKA_SSL: "true", KAFKA_SSL_REJECT_UNAUTHORIZED: "false" })
      assert.isFalse(Option.getOrThrow(lax.ssl).rejectUnauthorized)
    }))

  it.effect("a missing or non-PEM file, or a certificate without its key, fails naming the variable", () =>
    Effect.gen(function*() {
      assert.include(yield* failure(KafkaConfig.config, { KAFKA_SSL: "true", KAFKA_SSL_CA_FILE: "/nonexistent/ca.pem" }), "KAFKA_SSL_CA_FILE")
      assert.include(yield* failure(CassandraConfig.config, { CASSANDRA_TLS: "true", CASSANDRA_TLS_CA_FILE: join(dir, "not-pem.txt") }), "CASSANDRA_TLS_CA_FILE")
      assert.include(yield* failure(CassandraConfig.config, { CASSANDRA_TLS: "true", CASSANDRA_TLS_CA_FILE: join(dir, "not-pem.txt") }), "not a PEM file")
      const unpaired = yield* failure(KafkaConfig.config, { KAFKA_SSL: "true", KAFKA_SSL_CERT_FILE: files.cert })
      assert.include(unpaired, "KAFKA_SSL_CERT_FILE is set but KAFKA_SSL_KEY_FILE is not")
      const keyOnly = yield* failure(CassandraConfig.config, { CASSANDRA_TLS: "true", CASSANDRA_TLS_KEY_FILE: files.key })
      assert.include(keyOnly, "CASSANDRA_TLS_KEY_FILE is set but CASSANDRA_TLS_CERT_FILE is not")
      assert.notInclude(keyOnly, "PRIVATE KEY")
    }))

  it.effect("Cassandra: the driver gets the CA, the client pair and the server name, and always verifies the server", () =>
    Effect.gen(function*() {
      const config = yield* parse(CassandraConfig.config, {
        CASSANDRA_TLS: "true", CASSANDRA_TLS_CA_FILE: files.ca, CASSANDRA_TLS_CERT_FILE: files.cert,
        CASSANDRA_TLS_KEY_FILE: files.key, CASSANDRA_TLS_SERVER_NAME: "cassandra.internal",
        CASSANDRA_USERNAME: "users_pipeline", CASSANDRA_PASSWORD: "pw-secret-456"
      })
      const ssl = clientOptions(config).sslOptions as Record<string, unknown>
      assert.strictEqual(ssl["servername"], "cassandra.internal")
      assert.strictEqual(ssl["rejectUnauthorized"], true)
      assert.include(String(ssl["key"]), "PRIVATE KEY")
      assert.include(String((ssl["ca"] as Array<string>)[0]), "BEGIN CERTIFICATE")
      assert.notInclude(`${String(config)} ${JSON.stringify(config)}`, "pw-secret-456")
      assert.notInclude(JSON.stringify(config), "PRIVATE KEY")
      const plain = yield* parse(CassandraConfig.config, {})
      assert.isUndefined(clientOptions(plain).sslOptions)
    }))
})
