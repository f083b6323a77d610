import { ConfigProvider, Effect, Layer, Schedule } from "effect"
import type { Config, Scope } from "effect"
import cassandra from "cassandra-driver"
import { CassandraConfig, clientOptions } from "../src/layers/CassandraConfig.ts"

const slow = { readTimeout: 60_000 }

/** The users table as tests, benchmarks and the demo read it, through a plain driver client. */
export interface CassandraTable {
  readonly client: cassandra.Client
  readonly keyspace: string
  readonly table: string
  /** Number of rows, by a paged scan of the ids (no server-side COUNT timeout on big tables). */
  readonly count: Effect.Effect<number>
  /** Every id present in the table. */
  readonly ids: Effect.Effect<ReadonlySet<string>>
  /** The rows with these ids (absent ids are simply missing from the map). */
  readonly rows: (ids: Iterable<string>) => Effect.Effect<ReadonlyMap<string, cassandra.types.Row>>
  /** Empties the table. */
  readonly truncate: Effect.Effect<void>
  /** Drops the whole keyspace (test keyspaces only). */
  readonly dropKeyspace: Effect.Effect<void>
}

/** Connects a driver client configured like the live layer (same `CASSANDRA_*` variables); shut down with the scope. */
export const cassandraTable: Effect.Effect<CassandraTable, Config.ConfigError, Scope.Scope> = Effect.gen(function*() {
  const config = yield* CassandraConfig.config
  const client = yield* Effect.acquireRelease(
    Effect.promise(async () => {
      const client = new cassandra.Client(clientOptions(config))
      await client.connect()
      return client
    }),
    (client) => Effect.promise(() => client.shutdown())
  )
  const name = `${config.keyspace}.${config.table}`
  // A full scan right after a node came back can time out on the server (it is replaying hints): tried again, a few times.
  const scanIds = Effect.tryPromise(async () => {
    const ids = new Set<string>()
    for await (const row of await client.execute(`SELECT id FROM ${name}`, [], { fetchSize: 5000, ...slow })) {
      ids.add(String(row.get("id")))
    }
    return ids
  }).pipe(Effect.retry({ times: 4, schedule: Schedule.spaced("3 seconds") }), Effect.orDie)
  const rowById = (id: string) =>
    Effect.promise(() => client.execute(`SELECT * FROM ${name} WHERE id = ?`, [id], { prepare: true }))
      .pipe(Effect.map((result) => result.first()))
  return {
    client,
    keyspace: config.keyspace,
    table: config.table,
    count: Effect.map(scanIds, (ids) => ids.size),
    ids: scanIds,
    rows: (ids) =>
      Effect.forEach(ids, rowById, { concurrency: 32 }).pipe(
        Effect.map((rows) => new Map(rows.filter((row) => row != null).map((row) => [String(row.get("id")), row])))
      ),
    truncate: Effect.promise(() => client.execute(`TRUNCATE ${name}`, [], slow)).pipe(Effect.asVoid),
    dropKeyspace: Effect.promise(() => client.execute(`DROP KEYSPACE IF EXISTS ${config.keyspace}`, [], slow))
      .pipe(Effect.asVoid)
  }
})

/** The users table of an isolated pipeline (its `CASSANDRA_*` variables in `env`), read with a plain driver client. */
export const tableOf = (env: Record<string, string>): Effect.Effect<CassandraTable, never, Scope.Scope> =>
  cassandraTable.pipe(Effect.provide(ConfigProvider.layer(ConfigProvider.fromUnknown(env))), Effect.orDie)

/** Drops the test keyspace of the layer's `CASSANDRA_KEYSPACE` when the layer is released. */
export const dropKeyspaceAfterwards = Layer.effectDiscard(
  Effect.gen(function*() {
    const table = yield* cassandraTable
    yield* Effect.addFinalizer(() => table.dropKeyspace)
  })
)
