import { assert, describe, layer } from "@effect/vitest"
import { Duration, Effect } from "effect"
import { FakeHttpUsers } from "../../dev/fake-api/FakeHttpUsers.ts"
import { expectedUsers } from "../../dev/fake-api/RandomUserGenerator.ts"
import { tableOf } from "../../dev/cassandra.ts"
import { eventually, runCli, startCli } from "../../dev/cli.ts"
import { drained, freshEnv } from "../../dev/kafka.ts"
import { runCommand } from "../support/operate.ts"

/** Runs the stream until everything ingested so far is written and committed, then stops it. */
const streamUntilDrained = (env: Record<string, string>) =>
  Effect.gen(function*() {
    const stream = yield* startCli(["stream"], env)
    yield* eventually("every message written and committed", drained(env.KAFKA_GROUP_ID!, env.KAFKA_TOPIC!), "3 minutes")
    yield* stream.signal("SIGTERM")
    assert.strictEqual(yield* stream.exit, 0)
  }).pipe(Effect.scoped)

/** The numbers of ingest's summary line (`ingest done: runs=… failed_runs=… produced=…`). */
const summaryOf = (output: string): Record<string, number> => {
  const line = output.split("\n").find((l) => l.includes("ingest done:")) ?? ""
  return Object.fromEntries([...line.matchAll(/(\w+)=(\d+)/g)].map((m) => [m[1]!, Number(m[2])]))
}

describe("ingest against randomuser.me's real behaviour (the compatible server), on the real stack", () => {
  layer(FakeHttpUsers.layer(), { timeout: "5 minutes", excludeTestServices: true })((it) => {
    it.effect("two nationalities of one seed and page become 2N rows (randomuser gives them the same login.uuids)", () =>
      Effect.gen(function*() {
        const api = yield* FakeHttpUsers
        const env = freshEnv({ USERS_API_URL: api.url })
        const table = yield* tableOf(env)
        const args = (nat: string) => ["ingest", "--count", "2000", "--seed", "two-nats", "--nat", nat]
        yield* runCli(args("us"), env)
        yield* runCli(args("GB "), env)
        yield* runCli(args("us"), env)
        yield* streamUntilDrained(env)
        const expected = [
          ...expectedUsers({ seed: "two-nats", page: 1, results: 2000, nats: ["US"] }),
          ...expectedUsers({ seed: "two-nats", page: 1, results: 2000, nats: ["GB"] })
        ]
        const ids = yield* table.ids
        assert.strictEqual(ids.size, 4000)
        assert.isTrue(expected.every((user) => ids.has(user.id)))
        yield* table.dropKeyspace
      }).pipe(Effect.scoped), { timeout: 300_000 })

    it.effect("ingest --every goes on after a failed run; a signal ends it with the summary and exit code 1", () =>
      Effect.gen(function*() {
        const api = yield* FakeHttpUsers
        yield* api.setFaults({ script: [{ status: 503 }, { status: 503 }] })
        yield* api.resetStats
        const env = freshEnv({ USERS_API_URL: api.url })
        const ingest = yield* startCli(["ingest", "--count", "10", "--every", "1 second", "--max-retries", "1", "--retry-base", "10 millis"], env)
        yield* eventually("two runs after the failed one", Effect.map(api.stats, (stats) => stats.pages >= 2), "1 minute").pipe(
          Effect.catchDefect((defect) => Effect.die(new Error(`${String(defect)}\ningest's output:\n${ingest.output()}`)))
        )
        yield* ingest.signal("SIGTERM")
        assert.strictEqual(yield* ingest.exit, 1)
        const output = ingest.output()
        assert.match(output, /run 1 failed, the schedule goes on: HttpUsersUnavailable: HTTP 503/)
        const summary = summaryOf(output.replace("ingest stopped:", "ingest done:"))
        assert.strictEqual(summary["failed_runs"], 1)
        // The second page after the failure is asked only once the first run after it has completed.
        assert.isAtLeast(summary["runs"]!, 1)
        assert.match(output, /^error: IngestRunsFailed: 1 of \d+ runs failed/m)
        yield* api.setFaults({})
      }).pipe(Effect.scoped), { timeout: 120_000 })
    it.effect("a one-shot ingest whose run fails (HTTP 500 until its retries run out, or a path the API does not serve) exits 1 with one error: line", () =>
      Effect.gen(function*() {
        const api = yield* FakeHttpUsers
        const env = freshEnv({ USERS_API_URL: api.url })
        const oneShot = ["ingest", "--count", "10", "--max-retries", "2", "--retry-base", "10 millis"]
        const errorLines = (stderr: string) => stderr.split("\n").filter((line) => line.startsWith("error:"))
        yield* api.setFaults({ script: [{ status: 500 }, { status: 500 }, { status: 500 }] })
        yield* Effect.addFinalizer(() => api.setFaults({}))
        yield* api.resetStats
        const serverError = yield* runCommand(oneShot, env, 60_000)
        assert.strictEqual(serverError.code, 1, serverError.stderr)
        assert.deepStrictEqual(errorLines(serverError.stderr), ["error: HttpUsersUnavailable: HTTP 500"], serverError.stderr)
        assert.strictEqual((yield* api.stats).statuses["500"], 3, "the first try and its 2 retries")
        yield* api.setFaults({})
        const badUrl = yield* runCommand(oneShot, { ...env, USERS_API_URL: api.url.replace("/api/1.4/", "/api/9.9/") }, 60_000)
        assert.strictEqual(badUrl.code, 1, badUrl.stderr)
        assert.deepStrictEqual(errorLines(badUrl.stderr), ["error: HttpUsersRejected: HTTP 404"], badUrl.stderr)
        for (const { stdout, stderr } of [serverError, badUrl]) {
          assert.strictEqual(stdout, "")
          assert.isFalse(stderr.split("\n").some((line) => /^\s+at /.test(line)), `no stack trace:\n${stderr}`)
          assert.match(stderr, /(^|\n)error: [^\n]*\n$/, "the error line is the last one")
        }
      }).pipe(Effect.scoped), { timeout: 120_000 })
  })

  layer(FakeHttpUsers.layer({ budget: { users: 2000, window: Duration.seconds(20) } }), { timeout: "5 minutes", excludeTestServices: true })((it) => {
    it.effect("ingest --every under a 2,000 users / 20 s limit: runs that hit it wait a window and resume, none ends the schedule, every user is one row", () =>
      Effect.gen(function*() {
        const api = yield* FakeHttpUsers
        yield* api.resetStats
        const env = freshEnv({ USERS_API_URL: api.url, USERS_API_RATE_WINDOW: "20 seconds" })
        const table = yield* tableOf(env)
        const output = yield* runCli([
          "ingest", "--count", "1000", "--results-per-request", "500", "--seed", "windows",
          "--every", "5 seconds", "--for", "50 seconds", "--retry-cap", "2 seconds"
        ], env)
        const stats = yield* api.stats
        const summary = summaryOf(output)
        assert.isAbove(stats.rateLimited, 0, "some runs hit the limit")
        assert.match(output, /without Retry-After: waiting out the 20s rate window/)
        assert.isAtLeast(stats.users, 5000, "served across at least three windows")
        assert.deepInclude(summary, { failed_runs: 0, invalid: 0 })
        assert.strictEqual(summary["produced"], stats.users)
        yield* streamUntilDrained(env)
        const pages = summary["requests"]!
        const expected = Array.from({ length: pages }, (_, i) => expectedUsers({ seed: "windows", page: i + 1, results: 500 })).flat()
        const ids = yield* table.ids
        assert.strictEqual(ids.size, summary["produced"])
        assert.isTrue(expected.every((user) => ids.has(user.id)))
        yield* table.dropKeyspace
      }).pipe(Effect.scoped), { timeout: 300_000 })
  })
})
