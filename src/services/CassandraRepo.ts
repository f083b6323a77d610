import { Context, Schema } from "effect"
import type { Effect } from "effect"
import type { User } from "../domain/User.ts"

/** Cassandra could not take the write now (node down, timeout, overloaded); writing again can help. */
export class CassandraUnavailable extends Schema.TaggedError<CassandraUnavailable>()("CassandraUnavailable", {
  message: Schema.String
}) {}

/** Cassandra refused the write for good (schema, authentication, invalid query). */
export class CassandraRejected extends Schema.TaggedError<CassandraRejected>()("CassandraRejected", {
  message: Schema.String
}) {}

export type CassandraWriteError = CassandraUnavailable | CassandraRejected

export interface CassandraRepoShape {
  /** Upserts a user's row by id (idempotent); `ingestedAt` is when the message was produced. */
  readonly upsert: (user: User, ingestedAt: Date) => Effect.Effect<void, CassandraWriteError>
  /** Succeeds when the session answers a query: the readiness probe. */
  readonly ping: Effect.Effect<void, CassandraUnavailable>
}

export class CassandraRepo extends Context.Service<CassandraRepo, CassandraRepoShape>()(
  "users-pipeline/services/CassandraRepo"
) {}
