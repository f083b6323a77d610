import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import cassandra from "cassandra-driver"
import { execFileSync } from "node:child_process"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { FakeHttpUsers } from "../../dev/fake-api/FakeHttpUsers.ts"
import { expectedUsers } from "../../dev/fake-api/RandomUserGenerator.ts"
import { tableOf } from "../../dev/cassandra.ts"
import { eventually, runCli, startCli } from "../../dev/cli.ts"
import { findTraces, spansOf } from "../support/jaeger.ts"
import { ingestArgs } from "../../dev/ingestPlan.ts"
import { freshEnv } from "../../dev/kafka.ts"
import { secretMaterial, secureEnv } from "../support/secure.ts"

// Needs `stack.sh up --secure` (the integration globalSetup starts it): Kafka SASL_SSL + SCRAM on 9093,
// Cassandra with passwords, roles and required client TLS on 9142.

const secured = (extra: Record<string, string> = {}) => ({ ...freshEnv(), ...secureEnv(), ...extra })

/** A CA that signed nothing the servers present. */
const strangerCa = () => {
  const dir = mkdtempSync(join(tmpdir(), "stranger-ca-"))
  execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=stranger",
    "-keyout", join(dir, "ca.key"), "-out", join(dir, "ca.pem")], { stdio: "ignore" })
  return join(dir, "ca.pem")
}

/** Runs a command that must fail: its exit code and its non-blank output lines, none of them kafkajs' TimeoutNegativeWarning. */
const failing = (args: ReadonlyArray<string>, env: Record<string, string>) =>
  Effect.scoped(Effect.gen(function*() {
    const cli = yield* startCli(args, env)
    const code = yield* cli.exit.pipe(Effect.timeoutOrElse({
      duration: "60 seconds",
      orElse: () => Effect.die(new Error(`did not exit on its own: ${args.join(" ")}\n${cli.output()}`))
    }))
    const lines = cli.output().split("\n").filter((l) => l.trim() !== "")
    assert.isFalse(lines.some((l) => l.includes("TimeoutNegativeWarning")), `kafkajs' negative-timeout warning is silenced:\n${cli.output()}`)
    return { code, lines }
  }))

const assertOneLine = (result: { code: number | null; lines: ReadonlyArray<string> }, names: RegExp, secrets: ReadonlyArray<string>) => {
  assert.notStrictEqual(result.code, 0)
  const errors = result.lines.filter((l) => l.startsWith("error:"))
  assert.lengthOf(errors, 1, result.lines.join("\n"))
  assert.match(errors[0]!, names)
  assert.isFalse(result.lines.some((l) => /^\s+at /.test(l)), `no stack trace:\n${result.lines.join("\n")}`)
  for (const secret of secrets) assert.notInclude(result.lines.join("\n"), secret)
}

layer(FakeHttpUsers.layer(), { timeout: "10 minutes", excludeTestServices: true })("secured stack: TLS, SASL/SCRAM, Cassandra auth", (it) => {
  it.effect("ingests 2,000 users and streams them into exactly 2,000 rows over TLS + SCRAM + Cassandra auth; a user's trace crosses both services", () =>
    Effect.gen(function*() {
      const api = yield* FakeHttpUsers
      const env = secured({ USERS_API_URL: api.url, OTEL_SDK_DISABLED: "false" })
      const seed = `secure-${Date.now()}`
      const users = expectedUsers({ seed, page: 1, results: 2000 })
      yield* runCli(ingestArgs({ seed, count: 2000, perRequest: 2000 }), env)
      const stream = yield* startCli(["stream"], env)
      const table = yield* tableOf(env)
      yield* eventually("2,000 rows", Effect.map(table.count, (n) => n === 2000), "3 minutes")
      const ids = yield* table.ids
      assert.isTrue(users.every((user) => ids.has(user.id)))
      const user = users[1234]!
      yield* eventually(
        "the user's trace with both services",
        Effect.map(findTraces("users-stream", { "user.id": user.id }), (traces) =>
          traces.length === 1 && new Set(spansOf(traces[0]!).map((s) => s.service)).size === 2),
        "2 minutes"
      )
      const spans = spansOf((yield* findTraces("users-stream", { "user.id": user.id }))[0]!)
      assert.isTrue(spans.some((s) => s.service === "users-ingest" && s.tags["user.id"] === user.id))
      assert.isTrue(spans.some((s) => s.service === "users-stream" && s.operation === "CassandraRepo.upsert"))
      yield* stream.signal("SIGTERM")
      assert.strictEqual(yield* stream.exit, 0)
      yield* table.dropKeyspace
    }).pipe(Effect.scoped), { timeout: 600_000 })

  it.effect("a wrong password, a CA that did not sign the server, or plaintext to a TLS port: one line naming what failed, no stack, no secret", () =>
    Effect.gen(function*() {
      const api = yield* FakeHttpUsers
      const base = secured({ USERS_API_URL: api.url, KAFKA_CONNECT_TIMEOUT: "10 seconds", CASSANDRA_CONNECT_TIMEOUT: "10 seconds" })
      const secrets = [...secretMaterial(base), "not-the-password-1f3a"]
      const ingest = ["ingest", "--count", "10", "--max-retries", "1"]
      const ca = strangerCa()
      assertOneLine(yield* failing(ingest, { ...base, KAFKA_SASL_PASSWORD: "not-the-password-1f3a" }), /Kafka.*(SASL|authentic)/i, secrets)
      assertOneLine(yield* failing(ingest, { ...base, KAFKA_SSL_CA_FILE: ca }), /Kafka.*certificate.*KAFKA_SSL_CA_FILE/, secrets)
      assertOneLine(yield* failing(ingest, { ...base, KAFKA_SSL: "false" }), /Kafka.*KAFKA_SSL needed/, secrets)
      assertOneLine(yield* failing(["stream"], { ...base, CASSANDRA_PASSWORD: "not-the-password-1f3a" }), /Cassandra.*(authentic|credentials|password)/i, secrets)
      assertOneLine(yield* failing(["stream"], { ...base, CASSANDRA_TLS_CA_FILE: ca }), /Cassandra.*certificate.*CASSANDRA_TLS_CA_FILE/, secrets)
      assertOneLine(yield* failing(["stream"], { ...base, CASSANDRA_TLS: "false" }), /Cassandra.*CASSANDRA_TLS needed/, secrets)
      assertOneLine(yield* failing(["stream"], { ...base, CASSANDRA_TLS_KEY_FILE: "/nonexistent/client.key" }), /CASSANDRA_TLS_KEY_FILE/, secrets)
    }), { timeout: 600_000 })

  it.effect("the pipeline's Cassandra role is no superuser: it creates its keyspace and table and writes, but may not create a role", () =>
    Effect.gen(function*() {
      const env = secured()
      const role = env["CASSANDRA_USERNAME"]!
      const { client, keyspace } = yield* tableOf(env)
      const roles = (yield* Effect.promise(() => client.execute(`LIST ROLES OF ${role}`))).rows
      assert.deepStrictEqual(roles.map((r) => [r.get("role"), r.get("super"), r.get("login")]), [[role, false, true]])
      const execute = (cql: string) => Effect.tryPromise(() => client.execute(cql, [], { readTimeout: 60_000 }))
      yield* Effect.addFinalizer(() =>
        Effect.all([`DROP KEYSPACE IF EXISTS ${keyspace}`, `DROP ROLE IF EXISTS ${keyspace}_probe`].map((cql) => Effect.ignore(execute(cql))))
      )
      yield* execute(`CREATE KEYSPACE ${keyspace} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`)
      yield* execute(`CREATE TABLE ${keyspace}.probe (id int PRIMARY KEY, v text)`)
      yield* execute(`INSERT INTO ${keyspace}.probe (id, v) VALUES (1, 'written')`)
      assert.strictEqual((yield* execute(`SELECT v FROM ${keyspace}.probe WHERE id = 1`)).first()?.get("v"), "written")
      const refused = yield* Effect.flip(execute(`CREATE ROLE ${keyspace}_probe WITH LOGIN = false`))
      assert.strictEqual((refused.cause as { code?: unknown }).code, cassandra.types.responseErrorCodes.unauthorized, String(refused.cause))
    }).pipe(Effect.scoped), { timeout: 120_000 })

  it.effect("with LOG_LEVEL=Debug no password, key or certificate reaches stdout, stderr, /metrics or the exported spans", () =>
    Effect.gen(function*() {
      const api = yield* FakeHttpUsers
      const env = secured({ USERS_API_URL: api.url, OTEL_SDK_DISABLED: "false", LOG_LEVEL: "Debug", STREAM_HTTP_PORT: "9471" })
      const secrets = secretMaterial(env)
      assert.isAtLeast(secrets.length, 4)
      const seed = `leak-${Date.now()}`
      const user = expectedUsers({ seed, page: 1, results: 50 })[7]!
      const ingestOutput = yield* runCli(["ingest", "--count", "50", "--seed", seed], env)
      const stream = yield* startCli(["stream"], env)
      const table = yield* tableOf(env)
      yield* eventually("50 rows", Effect.map(table.count, (n) => n === 50), "3 minutes")
      const metrics = yield* Effect.promise(() => fetch("http://127.0.0.1:9471/metrics").then((r) => r.text()))
      assert.include(metrics, "users_written")
      yield* eventually("the user's trace", Effect.map(findTraces("users-stream", { "user.id": user.id }), (t) => t.length === 1), "2 minutes")
      const traces = JSON.stringify(yield* findTraces("users-stream", { "user.id": user.id }))
      yield* stream.signal("SIGTERM")
      assert.strictEqual(yield* stream.exit, 0)
      const everything = [ingestOutput, stream.output(), metrics, traces].join("\n")
      assert.include(stream.output(), "level=DEBUG")
      for (const secret of secrets) assert.notInclude(everything, secret)
      yield* table.dropKeyspace
    }).pipe(Effect.scoped), { timeout: 600_000 })
})
