import { Context, Predicate, Schema } from "effect"
import type { Effect, Tracer } from "effect"
import { causeFields, causeMessage, messageOf } from "../domain/ErrorCause.ts"
import type { User } from "../domain/User.ts"

/**
 * The driver's failure on one line; for "no host available", each host's own failure (the driver's summary names only
 * the first one).
 */
const describeDriverCause = (cause: unknown): string => {
  const hosts = Predicate.hasProperty(cause, "innerErrors") && Predicate.isObject(cause.innerErrors)
    ? Object.entries<unknown>(cause.innerErrors)
    : []
  if (hosts.length > 0) return `no host available: ${hosts.map(([host, e]) => `${host} (${describeDriverCause(e)})`).join("; ")}`
  return causeMessage(cause).replace(/\s+/g, " ").trim()
}

/** Cassandra could not take the write now (node down, timeout, overloaded); writing again can help. */
export class CassandraUnavailable extends Schema.TaggedError<CassandraUnavailable>()("CassandraUnavailable", causeFields) {
  override get message(): string {
    return messageOf(this.context, this.cause, describeDriverCause)
  }
  get retryable(): boolean {
    return true
  }
}

/**
 * Cassandra refused the request for good. `affects: "row"` when the refusal is about the row's own values (one that
 * cannot be encoded, or the server rejected the values while the table is as the statement expects): other rows
 * still go through, so the message can be dead-lettered. `"every-row"` when no write can succeed until an operator acts
 * (authentication, authorization, a missing keyspace, table or column, a bad statement).
 */
export class CassandraRejected extends Schema.TaggedError<CassandraRejected>()("CassandraRejected", {
  ...causeFields,
  affects: Schema.Literals(["row", "every-row"])
}) {
  override get message(): string {
    return messageOf(this.context, this.cause, describeDriverCause)
  }
  get retryable(): boolean {
    return false
  }
}

export type CassandraWriteError = CassandraUnavailable | CassandraRejected

/** A user's row to write, and when its message was produced. */
export interface UserRow {
  readonly user: User
  readonly ingestedAt: Date
  /** The span of a traced message's handling: the row's write gets its `CassandraRepo.upsert` span under it. */
  readonly span?: Tracer.AnySpan | undefined
}

export interface CassandraRepoShape {
  /** Upserts a user's row by id (idempotent); `ingestedAt` is when the message was produced. A `CassandraRejected` says whether it concerns this row only. */
  readonly upsert: (user: User, ingestedAt: Date) => Effect.Effect<void, CassandraWriteError>
  /**
   * Upserts rows as `upsert` does, all at once (every row's write in flight together): each row's outcome, in order —
   * `undefined` once written, else its error. One failed row fails no other. Only a row with a `span` gets a span.
   */
  readonly upsertAll: (rows: ReadonlyArray<UserRow>) => Effect.Effect<ReadonlyArray<CassandraWriteError | undefined>>
  /** Succeeds when a query of the table at the write consistency succeeds (enough replicas are up): the readiness probe. */
  readonly ping: Effect.Effect<void, CassandraUnavailable>
}

export class CassandraRepo extends Context.Service<CassandraRepo, CassandraRepoShape>()(
  "users-pipeline/services/CassandraRepo"
) {}
