import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { deadLetterHeaders, DeadLetterHeader } from "../../src/domain/DeadLetter.ts"
import { tableOf } from "../../dev/cassandra.ts"
import { eventually, startCli } from "../../dev/cli.ts"
import { committedOffsets, drained, endOffsets, freshEnv, readTopic, sendPlain } from "../../dev/kafka.ts"
import { runCommand, runJson } from "../support/operate.ts"
import { seedDagMessage, uuidOf } from "../support/users.ts"

const fixedIds = [uuidOf(9001), uuidOf(9002), uuidOf(9003)]
const offsetsOf = (letters: ReadonlyArray<{ readonly offset: number }>) => letters.map((l) => l.offset)
const dlqEnd = (env: Record<string, string>, n: number) =>
  eventually(`${n} letters in the DLQ`, endOffsets(env.KAFKA_DLQ_TOPIC!).pipe(Effect.map((end) => end[0] === n)))

describe("dlq on the real stack", () => {
  it.live("redrives letters an older, stricter stream rejected, once each, and keeps one that keeps failing after --max-redrives", () =>
    Effect.gen(function*() {
      const env = freshEnv({ KAFKA_TOPIC_PARTITIONS: "1" })
      const redriveGroup = `${env.KAFKA_GROUP_ID}.dlq-redrive`
      const table = yield* tableOf(env)
      const stream = yield* startCli(["stream"], env)
      yield* eventually("the topics exist", endOffsets(env.KAFKA_DLQ_TOPIC!).pipe(Effect.as(true)), "1 minute")

      // Letters a stream that still required a string post_code wrote for the seed DAG's numeric ones (DESIGN 2.1's quirk).
      const failedAt = new Date()
      yield* sendPlain(env.KAFKA_DLQ_TOPIC!, fixedIds.map((id, i) => ({
        key: id,
        value: JSON.stringify(seedDagMessage(id)),
        headers: {
          "content-type": "application/json",
          ...deadLetterHeaders({ reason: "SchemaMismatch", message: "Expected string, got 28013 at [\"post_code\"]" },
            { topic: env.KAFKA_TOPIC!, partition: 0, offset: String(i) }, failedAt)
        }
      })))
      yield* sendPlain(env.KAFKA_TOPIC!, [{ key: "still-bad", value: JSON.stringify({ id: "not-a-uuid", first_name: 42 }) }])
      yield* dlqEnd(env, 4)
      yield* sendPlain(env.KAFKA_TOPIC!, [{ key: "never-json", value: "{not json" }])
      yield* dlqEnd(env, 5)

      const listed = yield* runJson(["dlq", "list"], env)
      assert.strictEqual(listed.total, 5)
      assert.deepStrictEqual(listed.letters.map((l: any) => l.errorType), ["NotJson", "SchemaMismatch", "SchemaMismatch", "SchemaMismatch", "SchemaMismatch"])
      assert.strictEqual(listed.letters[0].source.topic, env.KAFKA_TOPIC)
      assert.strictEqual(listed.letters[0].value, "{not json")
      assert.deepStrictEqual(offsetsOf((yield* runJson(["dlq", "list", "--error-type", "NotJson"], env)).letters), [4])

      const dry = yield* runJson(["dlq", "redrive", "--error-type", "SchemaMismatch", "--dry-run"], env)
      assert.deepStrictEqual(offsetsOf(dry.redriven), [0, 1, 2, 3])
      assert.deepStrictEqual(yield* committedOffsets(redriveGroup, env.KAFKA_DLQ_TOPIC!), [0])
      const sourceEnd = (yield* endOffsets(env.KAFKA_TOPIC!))[0]!

      const first = yield* runJson(["dlq", "redrive", "--error-type", "SchemaMismatch", "--max", "2"], env)
      assert.deepStrictEqual(offsetsOf(first.redriven), [0, 1])
      assert.deepStrictEqual(yield* committedOffsets(redriveGroup, env.KAFKA_DLQ_TOPIC!), [2])
      const second = yield* runJson(["dlq", "redrive", "--error-type", "SchemaMismatch"], env)
      assert.deepStrictEqual(offsetsOf(second.redriven), [2, 3])
      assert.deepStrictEqual(offsetsOf(second.left), [4])
      assert.deepStrictEqual(yield* committedOffsets(redriveGroup, env.KAFKA_DLQ_TOPIC!), [4])
      assert.deepStrictEqual(yield* endOffsets(env.KAFKA_TOPIC!), [sourceEnd + 4])

      yield* eventually("the fixed letters became rows", table.rows(fixedIds).pipe(Effect.map((rows) => rows.size === 3)))
      const rows = yield* table.rows(fixedIds)
      assert.strictEqual(rows.get(fixedIds[0]!)!.get("post_code"), "28013")
      const republished = (yield* readTopic(env.KAFKA_TOPIC!)).filter((m) => Number(m.offset) >= sourceEnd)
      assert.deepStrictEqual(republished.map((m) => m.key), [...fixedIds, "still-bad"])
      for (const message of republished) {
        assert.strictEqual(message.headers[DeadLetterHeader.redriveCount], "1")
        assert.strictEqual(message.headers[DeadLetterHeader.errorType], undefined)
      }
      assert.strictEqual(republished[0]!.headers["content-type"], "application/json")
      assert.strictEqual(republished[0]!.value!.toString("utf8"), JSON.stringify(seedDagMessage(fixedIds[0]!)))

      for (const [dlqOffset, redrives] of [[5, 1], [6, 2]] as const) {
        yield* dlqEnd(env, dlqOffset + 1)
        const again = yield* runJson(["dlq", "redrive", "--error-type", "SchemaMismatch"], env)
        assert.deepStrictEqual(again.redriven.map((l: any) => [l.offset, l.redriveCount]), [[dlqOffset, redrives]])
      }
      yield* dlqEnd(env, 8)
      const exhausted = yield* runJson(["dlq", "redrive", "--error-type", "SchemaMismatch"], env)
      assert.deepStrictEqual(exhausted.redriven, [])
      assert.deepStrictEqual(exhausted.kept.map((l: any) => [l.offset, l.redriveCount]), [[7, 3]])

      const endBefore = yield* endOffsets(env.KAFKA_TOPIC!)
      const nothing = yield* runJson(["dlq", "redrive", "--error-type", "SchemaMismatch"], env)
      assert.deepStrictEqual([nothing.redriven, nothing.kept, offsetsOf(nothing.left)], [[], [], [4]])
      assert.deepStrictEqual(yield* endOffsets(env.KAFKA_TOPIC!), endBefore)
      assert.deepStrictEqual(yield* committedOffsets(redriveGroup, env.KAFKA_DLQ_TOPIC!), [4])

      const unfiltered = yield* runJson(["dlq", "redrive"], env)
      assert.deepStrictEqual(offsetsOf(unfiltered.redriven), [4])
      assert.deepStrictEqual(yield* committedOffsets(redriveGroup, env.KAFKA_DLQ_TOPIC!), [8])
      yield* dlqEnd(env, 9)
      const stays = yield* readTopic(env.KAFKA_DLQ_TOPIC!)
      assert.strictEqual(stays.find((m) => m.offset === "7")!.headers[DeadLetterHeader.redriveCount], "3")

      yield* eventually("the stream caught up", drained(env.KAFKA_GROUP_ID!, env.KAFKA_TOPIC!))
      assert.strictEqual(yield* table.count, 3)
      const human = yield* runCommand(["dlq", "list", "--limit", "3"], env)
      assert.strictEqual(human.code, 0)
      assert.match(human.stdout, /letter\(s\); newest 3:/)
      yield* stream.signal("SIGTERM")
      assert.strictEqual(yield* stream.exit, 0)
      yield* table.dropKeyspace
    }).pipe(Effect.scoped), { timeout: 300_000 })
})
