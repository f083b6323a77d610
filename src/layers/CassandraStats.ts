import { Clock, Effect, Layer } from "effect"
import cassandra from "cassandra-driver"
import { CassandraRejected } from "../services/CassandraRepo.ts"
import type { CassandraUnavailable } from "../services/CassandraRepo.ts"
import { CassandraStats } from "../services/CassandraStats.ts"
import { CassandraConfig, Consistency } from "./CassandraConfig.ts"
import { classifyDriverError } from "./CassandraErrors.ts"
import { connect } from "./CassandraRepo.ts"

/** The Murmur3 ring is split into this many ranges, scanned this many at a time. */
const tokenRanges = 16
const concurrentRanges = 4
const pageSize = 5_000

const minToken = -(2n ** 63n)
const maxToken = 2n ** 63n - 1n

/** Boundaries of `count` equal ranges `(b[i], b[i+1]]` covering the ring (Murmur3 never yields the minimum token). */
export const ringBoundaries = (count: number): ReadonlyArray<bigint> =>
  Array.from({ length: count + 1 }, (_, i) => i === count ? maxToken : minToken + ((maxToken - minToken) * BigInt(i)) / BigInt(count))

/**
 * `CassandraStats` over cassandra-driver, read-only (it never creates the keyspace or table): a token-range scan of
 * `written_at`, 16 ranges, 4 at a time, 5,000 rows a page. Its cost is one read of every row's `written_at`
 * (rows / 5,000 pages, at least 16 requests), bounded by the row limit.
 */
export const layer: Layer.Layer<CassandraStats, CassandraUnavailable | CassandraRejected, CassandraConfig> = Layer.effect(
  CassandraStats,
  Effect.gen(function*() {
    const config = yield* CassandraConfig
    const client = yield* connect(config)
    const name = `${config.keyspace}.${config.table}`
    const query = `SELECT written_at FROM ${name} WHERE token(id) > ? AND token(id) <= ?`
    const options = { prepare: true, fetchSize: pageSize, consistency: Consistency[config.consistency], isIdempotent: true }
    const attempt = <A>(run: () => Promise<A>) =>
      Effect.tryPromise({ try: run, catch: (error) => classifyDriverError(error, `scanning ${name}`) })

    const scan = Effect.fn("CassandraStats.scan")(function*(rowLimit: number) {
      const started = yield* Clock.currentTimeMillis
      const exists = yield* attempt(() => client.metadata.getTable(config.keyspace, config.table))
      if (exists === null) {
        return yield* new CassandraRejected({
          context: `table ${name} does not exist (CASSANDRA_KEYSPACE, CASSANDRA_TABLE); the stream creates it when it starts`,
          affects: "every-row"
        })
      }
      const tally = { rows: 0, pages: 0, newest: 0, truncated: false }
      const scanRange = (from: bigint, to: bigint) =>
        Effect.gen(function*() {
          const params = [cassandra.types.Long.fromString(String(from)), cassandra.types.Long.fromString(String(to))]
          let pageState: string | undefined
          do {
            const page = yield* attempt(() => client.execute(query, params, { ...options, ...(pageState ? { pageState } : {}) }))
            tally.pages++
            tally.rows += page.rows.length
            for (const row of page.rows) {
              const writtenAt = row.get("written_at")
              if (writtenAt instanceof Date && writtenAt.getTime() > tally.newest) tally.newest = writtenAt.getTime()
            }
            pageState = page.pageState ?? undefined
          } while (pageState !== undefined && tally.rows < rowLimit)
          if (pageState !== undefined) tally.truncated = true
        })
      const bounds = ringBoundaries(tokenRanges)
      yield* Effect.forEach(bounds.slice(0, -1), (from, i) => tally.rows >= rowLimit ? Effect.sync(() => (tally.truncated = true)) : scanRange(from, bounds[i + 1]!), {
        concurrency: concurrentRanges,
        discard: true
      })
      return {
        keyspace: config.keyspace,
        table: config.table,
        rows: tally.rows,
        complete: !tally.truncated,
        newestWrittenAt: tally.newest === 0 ? null : new Date(tally.newest),
        method: "token-range scan" as const,
        tokenRanges,
        pages: tally.pages,
        elapsedMillis: (yield* Clock.currentTimeMillis) - started
      }
    })

    return CassandraStats.of({ scan })
  })
)
