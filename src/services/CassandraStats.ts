import { Context } from "effect"
import type { Effect } from "effect"
import type { CassandraRejected, CassandraUnavailable } from "./CassandraRepo.ts"

/** What a scan of the users table found, and what the scan cost. */
export interface TableStats {
  readonly keyspace: string
  readonly table: string
  /** Rows counted; a lower bound when `complete` is false (the scan stopped at its row limit). */
  readonly rows: number
  readonly complete: boolean
  readonly newestWrittenAt: Date | null
  readonly method: "token-range scan"
  readonly tokenRanges: number
  readonly pages: number
  readonly elapsedMillis: number
}

export interface CassandraStatsShape {
  /** Counts the table's rows and finds the newest `written_at`, reading at most about `rowLimit` rows. */
  readonly scan: (rowLimit: number) => Effect.Effect<TableStats, CassandraUnavailable | CassandraRejected>
}

export class CassandraStats extends Context.Service<CassandraStats, CassandraStatsShape>()(
  "users-pipeline/services/CassandraStats"
) {}
