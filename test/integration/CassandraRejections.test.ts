import { assert, describe, layer } from "@effect/vitest"
import { randomBytes, randomUUID } from "node:crypto"
import { ConfigProvider, Effect, Layer } from "effect"
import { CassandraConfig } from "../../src/layers/CassandraConfig.ts"
import { layer as CassandraRepoLive } from "../../src/layers/CassandraRepo.ts"
import { CassandraRepo } from "../../src/services/CassandraRepo.ts"
import { cassandraTable, dropKeyspaceAfterwards } from "../../dev/cassandra.ts"
import { userRecord } from "../support/users.ts"

const TestKeyspace = ConfigProvider.layerAdd(
  ConfigProvider.fromUnknown({ CASSANDRA_KEYSPACE: `rejections_${randomBytes(4).toString("hex")}` }),
  { asPrimary: true }
)


describe("CassandraRepo rejections (live, local Cassandra)", () => {
  layer(Layer.merge(CassandraRepoLive.pipe(Layer.provide(CassandraConfig.layer)), dropKeyspaceAfterwards).pipe(Layer.provide(TestKeyspace)), { excludeTestServices: true })(
    (it) => {
      it.effect("rejects a row whose own value cannot be written as that row's, and still writes the next one", () =>
        Effect.gen(function*() {
          const repo = yield* CassandraRepo
          const error = yield* repo.upsert(userRecord("not-a-uuid"), new Date()).pipe(Effect.flip)
          assert.strictEqual(error._tag, "CassandraRejected")
          assert.strictEqual(error._tag === "CassandraRejected" && error.affects, "row")
          yield* repo.upsert(userRecord(randomUUID()), new Date())
        }))

      it.effect("upsertAll: a row whose own value cannot be written fails alone, and every other row is written", () =>
        Effect.gen(function*() {
          const repo = yield* CassandraRepo
          const ids = [randomUUID(), "not-a-uuid", randomUUID(), randomUUID()]
          const outcomes = yield* repo.upsertAll(ids.map((id) => ({ user: userRecord(id), ingestedAt: new Date() })))
          assert.deepStrictEqual(outcomes.map((error) => error === undefined ? "written" : `${error._tag}:${error._tag === "CassandraRejected" ? error.affects : ""}`), [
            "written",
            "CassandraRejected:row",
            "written",
            "written"
          ])
          const { client, keyspace, table } = yield* cassandraTable.pipe(Effect.provide(TestKeyspace))
          const valid = ids.filter((id) => id !== "not-a-uuid")
          const rows = yield* Effect.promise(() => client.execute(`SELECT id FROM ${keyspace}.${table} WHERE id IN ?`, [valid], { prepare: true }))
          assert.sameMembers(rows.rows.map((row) => String(row.get("id"))), valid)
        }).pipe(Effect.scoped))

      it.effect("rejects every row once the table lacks a column the insert writes", () =>
        Effect.gen(function*() {
          const repo = yield* CassandraRepo
          const { client, keyspace, table } = yield* cassandraTable.pipe(Effect.provide(TestKeyspace))
          yield* Effect.promise(() => client.execute(`ALTER TABLE ${keyspace}.${table} DROP written_at`, [], { readTimeout: 60_000 }))
          const error = yield* repo.upsert(userRecord(randomUUID()), new Date()).pipe(Effect.flip)
          assert.strictEqual(error._tag, "CassandraRejected")
          assert.strictEqual(error._tag === "CassandraRejected" && error.affects, "every-row")
          assert.include(error.message, "written_at")
          const outcomes = yield* repo.upsertAll([randomUUID(), randomUUID()].map((id) => ({ user: userRecord(id), ingestedAt: new Date() })))
          assert.deepStrictEqual(outcomes.map((e) => e?._tag === "CassandraRejected" ? e.affects : e?._tag), ["every-row", "every-row"])
        }).pipe(Effect.scoped))
    }
  )
})
