import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { startCli } from "../../dev/cli.ts"
import { freshEnv } from "../../dev/kafka.ts"

/** Runs the CLI expecting it to give up: returns its exit code, how long it took, and its `error:` lines. */
const failing = (args: ReadonlyArray<string>, env: Record<string, string>) =>
  Effect.scoped(Effect.gen(function*() {
    const started = Date.now()
    const cli = yield* startCli(args, { ...freshEnv(), ...env })
    const code = yield* cli.exit
    const lines = cli.output().split("\n").filter((line) => line.startsWith("error:"))
    return { code, seconds: (Date.now() - started) / 1000, lines, output: cli.output() }
  }))

describe("bad configuration fails fast with one clear line", () => {
  it.live.each([
    { name: "an unreachable broker (stream)", args: ["stream"], env: { KAFKA_BROKERS: "127.0.0.1:1", KAFKA_CONNECT_TIMEOUT: "5 seconds" }, names: /127\.0\.0\.1:1/ },
    { name: "an unreachable broker (ingest)", args: ["ingest"], env: { KAFKA_BROKERS: "127.0.0.1:1", KAFKA_CONNECT_TIMEOUT: "5 seconds" }, names: /127\.0\.0\.1:1/ },
    { name: "an invalid keyspace name", args: ["stream"], env: { CASSANDRA_KEYSPACE: "users-stream" }, names: /CASSANDRA_KEYSPACE/ },
    { name: "a non-numeric partition count", args: ["stream"], env: { KAFKA_TOPIC_PARTITIONS: "six" }, names: /KAFKA_TOPIC_PARTITIONS/ },
    { name: "a non-numeric concurrency", args: ["stream"], env: { STREAM_CONCURRENCY: "lots" }, names: /STREAM_CONCURRENCY/ },
    { name: "an unreachable Cassandra", args: ["stream"], env: { CASSANDRA_CONTACT_POINTS: "127.0.0.1:1", CASSANDRA_CONNECT_TIMEOUT: "5 seconds" }, names: /127\.0\.0\.1:1/ }
  ])("$name", ({ args, env, names }) =>
    Effect.gen(function*() {
      const { code, lines, output, seconds } = yield* failing(args, env)
      assert.notStrictEqual(code, 0, output)
      assert.isBelow(seconds, 30, output)
      assert.strictEqual(lines.length, 1, output)
      assert.match(lines[0]!, names)
    }), { timeout: 60_000 })
})
