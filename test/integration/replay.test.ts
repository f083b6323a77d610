import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { eventually, startCli } from "../../dev/cli.ts"
import { drained, freshEnv, sendPlain } from "../../dev/kafka.ts"
import { counter } from "../../dev/prometheus.ts"
import { seedDagMessage } from "../support/users.ts"

const metrics = (port: string) => Effect.promise(() => fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text(), () => ""))
const written = (text: string) => counter(text, "users_written")

const messages = (n: number) =>
  Array.from({ length: n }, () => ({ key: null, value: JSON.stringify(seedDagMessage(crypto.randomUUID())) }))

describe("stream --replay-from", () => {
  it.live("re-reads the messages produced since a time, and only those; the lag gauge is exported", () =>
    Effect.gen(function*() {
      const port = "19466"
      const env = freshEnv({ KAFKA_TOPIC_PARTITIONS: "2", STREAM_HTTP_PORT: port })
      const first = yield* startCli(["stream"], env)
      const ready = Effect.promise(() => fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false))
      yield* eventually("the worker ready (its topic created)", ready, "1 minute")
      yield* sendPlain(env.KAFKA_TOPIC!, messages(10))
      yield* Effect.sleep("1500 millis")
      const since = new Date()
      yield* Effect.sleep("500 millis")
      yield* sendPlain(env.KAFKA_TOPIC!, messages(5))
      yield* eventually("all 15 written", Effect.map(metrics(port), (m) => written(m) === 15))
      assert.match(yield* metrics(port), /^kafka_consumer_lag\{.*partition="[01]".*\} \d+/m)
      yield* eventually("committed", drained(env.KAFKA_GROUP_ID!, env.KAFKA_TOPIC!))
      yield* first.signal("SIGTERM")
      assert.strictEqual(yield* first.exit, 0)

      const replay = yield* startCli(["stream", "--replay-from", since.toISOString()], env)
      yield* eventually("the replay written", Effect.map(metrics(port), (m) => written(m) === 5))
      yield* eventually("committed again", drained(env.KAFKA_GROUP_ID!, env.KAFKA_TOPIC!))
      yield* Effect.sleep("2 seconds")
      assert.strictEqual(written(yield* metrics(port)), 5, "only the messages since the replay time")
      yield* replay.signal("SIGTERM")
      assert.strictEqual(yield* replay.exit, 0)
    }).pipe(Effect.scoped), { timeout: 180_000 })
})
