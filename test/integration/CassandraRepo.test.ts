import { assert, describe, layer } from "@effect/vitest"
import { randomBytes } from "node:crypto"
import { createServer, type Server, type Socket } from "node:net"
import { ConfigProvider, Duration, Effect, Layer } from "effect"
import { CassandraConfig } from "../../src/layers/CassandraConfig.ts"
import { layer as CassandraRepoLive } from "../../src/layers/CassandraRepo.ts"
import { CassandraRepo } from "../../src/services/CassandraRepo.ts"
import { cassandraTable, dropKeyspaceAfterwards } from "../../dev/cassandra.ts"
import { userRecord } from "../support/users.ts"

const keyspace = `users_stream_it_${randomBytes(4).toString("hex")}`

const withConfig = (config: Record<string, string>) =>
  ConfigProvider.layerAdd(ConfigProvider.fromUnknown(config), { asPrimary: true })

const TestKeyspace = withConfig({ CASSANDRA_KEYSPACE: keyspace })


const buildRepo = (config: Record<string, string>) =>
  Layer.build(CassandraRepoLive.pipe(Layer.provide(CassandraConfig.layer))).pipe(Effect.provide(withConfig(config)), Effect.flip, Effect.timed)

describe("CassandraRepo (live, local Cassandra)", () => {
  layer(Layer.merge(CassandraRepoLive.pipe(Layer.provide(CassandraConfig.layer)), dropKeyspaceAfterwards).pipe(Layer.provide(TestKeyspace)), {
    excludeTestServices: true
  })((it) => {
    it.effect("creates the keyspace and the users table with one column per User field", () =>
      Effect.gen(function*() {
        const { client, table } = yield* cassandraTable.pipe(Effect.provide(TestKeyspace))
        const result = yield* Effect.promise(() =>
          client.execute(
            "SELECT column_name, type, kind FROM system_schema.columns WHERE keyspace_name = ? AND table_name = ?",
            [keyspace, table]
          )
        )
        const columns = Object.fromEntries(result.rows.map((row) => [row.get("column_name"), row.get("type")]))
        assert.deepStrictEqual(columns, {
          id: "uuid",
          first_name: "text",
          last_name: "text",
          gender: "text",
          address: "text",
          post_code: "text",
          email: "text",
          username: "text",
          dob: "timestamp",
          registered_date: "timestamp",
          phone: "text",
          picture: "text",
          ingested_at: "timestamp",
          written_at: "timestamp"
        })
        const key = result.rows.find((row) => row.get("column_name") === "id")
        assert.strictEqual(key?.get("kind"), "partition_key")
      }))

    it.effect("writes every column of an upserted user", () =>
      Effect.gen(function*() {
        const repo = yield* CassandraRepo
        const table = yield* cassandraTable.pipe(Effect.provide(TestKeyspace))
        const written = userRecord()
        const ingestedAt = new Date("2026-01-02T03:04:05.006Z")
        const before = Date.now()
        yield* repo.upsert(written, ingestedAt)
        const after = Date.now()
        const row = (yield* table.rows([written.id])).get(written.id)
        assert.isDefined(row)
        const { dob, id, registered_date, ...texts } = written
        assert.strictEqual(row.get("id").toString(), id)
        for (const [column, value] of Object.entries(texts)) {
          assert.strictEqual(row.get(column), value, column)
        }
        assert.strictEqual(row.get("dob").toISOString(), dob)
        assert.strictEqual(row.get("registered_date").toISOString(), registered_date)
        assert.strictEqual(row.get("ingested_at").toISOString(), ingestedAt.toISOString())
        const writtenAt: Date = row.get("written_at")
        assert.isAtLeast(writtenAt.getTime(), before - 5_000)
        assert.isAtMost(writtenAt.getTime(), after + 5_000)
      }))

    it.effect("upserting the same user twice leaves one row, and an older replay never overwrites a newer write", () =>
      Effect.gen(function*() {
        const repo = yield* CassandraRepo
        const table = yield* cassandraTable.pipe(Effect.provide(TestKeyspace))
        const first = userRecord()
        const newer = new Date("2026-03-01T00:00:00.000Z")
        yield* repo.upsert(first, new Date("2026-02-01T00:00:00.000Z"))
        yield* repo.upsert({ ...first, email: "new@example.com" }, newer)
        yield* repo.upsert({ ...first, email: "stale@example.com" }, new Date("2026-01-01T00:00:00.000Z"))
        const before = yield* table.count
        yield* repo.upsert({ ...first, email: "new@example.com" }, newer)
        assert.strictEqual(yield* table.count, before)
        const row = (yield* table.rows([first.id])).get(first.id)
        assert.strictEqual(row?.get("email"), "new@example.com")
        assert.strictEqual(row?.get("ingested_at").toISOString(), newer.toISOString())
      }))

    it.effect("ping answers when the session is up", () =>
      Effect.gen(function*() {
        const repo = yield* CassandraRepo
        yield* repo.ping
      }))
  })

  layer(Layer.empty, { excludeTestServices: true })((it) => {
    it.effect("fails at start, naming CASSANDRA_KEYSPACE, when the keyspace name is invalid", () =>
      Effect.gen(function*() {
        const [elapsed, error] = yield* buildRepo({ CASSANDRA_KEYSPACE: "users-stream" })
        assert.strictEqual(error._tag, "ConfigError")
        assert.include(error.message, "CASSANDRA_KEYSPACE")
        assert.isBelow(Duration.toMillis(elapsed), 1_000)
      }))

    it.effect("fails within the connect timeout, naming the contact point, when nothing listens there", () =>
      Effect.gen(function*() {
        const [elapsed, error] = yield* buildRepo({
          CASSANDRA_CONTACT_POINTS: "127.0.0.1:1",
          CASSANDRA_CONNECT_TIMEOUT: "3 seconds"
        })
        assert.strictEqual(error._tag, "CassandraUnavailable")
        assert.include(error.message, "127.0.0.1:1")
        assert.isBelow(Duration.toMillis(elapsed), 3_500)
      }))

    it.effect("fails fast as rejected, naming the data centers found, when CASSANDRA_LOCAL_DC is wrong", () =>
      Effect.gen(function*() {
        const [elapsed, error] = yield* buildRepo({ CASSANDRA_LOCAL_DC: "no_such_dc" })
        assert.strictEqual(error._tag, "CassandraRejected")
        assert.include(error.message, "no_such_dc")
        assert.include(error.message, "datacenter1")
        assert.isBelow(Duration.toMillis(elapsed), 10_000)
      }))

    it.effect("fails within the connect timeout when the contact point accepts but never answers", () =>
      Effect.gen(function*() {
        const sockets = new Set<Socket>()
        const server = yield* Effect.acquireRelease(
          Effect.callback<Server>((resume) => {
            const server = createServer((socket) => sockets.add(socket))
            server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
          }),
          (server) =>
            Effect.sync(() => {
              sockets.forEach((socket) => socket.destroy())
              server.close()
            })
        )
        const address = server.address()
        const port = typeof address === "object" && address !== null ? address.port : 0
        const [elapsed, error] = yield* buildRepo({
          CASSANDRA_CONTACT_POINTS: `127.0.0.1:${port}`,
          CASSANDRA_CONNECT_TIMEOUT: "2 seconds"
        })
        assert.strictEqual(error._tag, "CassandraUnavailable")
        assert.include(error.message, `127.0.0.1:${port}`)
        assert.isBelow(Duration.toMillis(elapsed), 2_500)
      }))
  })
})
