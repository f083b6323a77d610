import { assert } from "@effect/vitest"
import { Effect } from "effect"
import type { Message } from "kafkajs"
import { randomBytes, randomUUID } from "node:crypto"
import { DeadLetterHeader } from "../../src/domain/DeadLetter.ts"
import { expectedUsers } from "../../dev/fake-api/RandomUserGenerator.ts"
import { freshEnv, readTopic, sendPlain } from "../../dev/kafka.ts"
import { faultScenario, finish, landedExactly, startReadyWorker } from "../support/faults.ts"
import { tableOf } from "../../dev/cassandra.ts"

interface Poison {
  readonly message: Message
  readonly errorType: "EmptyValue" | "NotJson" | "SchemaMismatch"
}

const poisons: ReadonlyArray<Poison> = [
  { message: { key: "poison-not-json", value: "{not json" }, errorType: "NotJson" },
  { message: { key: "poison-not-utf8", value: Buffer.from([0xc3, 0x28, 0xff]) }, errorType: "NotJson" },
  { message: { key: "poison-schema", value: JSON.stringify({ id: "not-a-uuid", first_name: 42 }) }, errorType: "SchemaMismatch" },
  { message: { key: "poison-empty", value: "" }, errorType: "EmptyValue" },
  { message: { key: "poison-null-value", value: null }, errorType: "EmptyValue" },
  { message: { key: null, value: "null key, not json either" }, errorType: "NotJson" },
  {
    message: { key: "poison-900kb", value: JSON.stringify({ id: randomUUID(), blob: randomBytes(675_000).toString("base64") }) },
    errorType: "SchemaMismatch"
  }
]

const text = (value: Message["value"]) => value === null || value === undefined ? "" : Buffer.from(value).toString("utf8")

faultScenario(
  "poison messages among good ones",
  "non-JSON, wrong schema, 900 KB, empty and null values, null keys: good ones become rows, poison ones go to the DLQ, offsets reach the end",
  Effect.gen(function*() {
    const env = freshEnv()
    const table = yield* tableOf(env)
    const good = expectedUsers({ seed: "poison", page: 1, results: 3_500 })
    const worker = yield* startReadyWorker("worker", env)
    const chunk = Math.ceil(good.length / poisons.length)
    for (const [i, poison] of poisons.entries()) {
      const users = good.slice(i * chunk, (i + 1) * chunk).map((user, j): Message => ({
        key: j % 5 === 0 ? null : user.id,
        value: JSON.stringify(user)
      }))
      yield* sendPlain(env.KAFKA_TOPIC!, users.slice(0, users.length >> 1))
      yield* sendPlain(env.KAFKA_TOPIC!, [poison.message])
      yield* sendPlain(env.KAFKA_TOPIC!, users.slice(users.length >> 1))
    }

    const landed = yield* landedExactly(env, table, new Set(good.map((user) => user.id)), "3 minutes")
    const { dead } = landed
    const source = yield* readTopic(env.KAFKA_TOPIC!)
    for (const poison of poisons) {
      const value = text(poison.message.value)
      const origin = source.filter((m) => m.key === poison.message.key && text(m.value) === value)
      assert.strictEqual(origin.length, 1, `${poison.message.key} produced once`)
      const letters = dead.filter((m) =>
        m.headers[DeadLetterHeader.sourcePartition] === String(origin[0]!.partition) &&
        m.headers[DeadLetterHeader.sourceOffset] === origin[0]!.offset
      )
      assert.isAtLeast(letters.length, 1, `${poison.message.key} dead-lettered`)
      for (const letter of letters) {
        assert.strictEqual(letter.key, poison.message.key ?? null)
        assert.strictEqual(text(letter.value), value)
        assert.strictEqual(letter.headers[DeadLetterHeader.errorType], poison.errorType, `${poison.message.key}`)
      }
    }
    assert.strictEqual(new Set(dead.map((m) => `${m.headers[DeadLetterHeader.sourcePartition]}@${m.headers[DeadLetterHeader.sourceOffset]}`)).size, poisons.length)
    const counters = yield* worker.counters
    assert.strictEqual(counters.deadLettered, dead.length)
    yield* finish({
      name: "poison messages",
      env,
      table,
      workers: [worker],
      produced: good.length + poisons.length,
      landed,
      counts: { good: good.length, poison: poisons.length },
      recovery: "n/a"
    })
  })
)
