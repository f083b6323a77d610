import { Effect, Layer } from "effect"
import type { User } from "../domain/User.ts"
import { CassandraRepo } from "../services/CassandraRepo.ts"
import type { CassandraUnavailable, CassandraWriteError } from "../services/CassandraRepo.ts"

/** A row of the in-memory table. */
export interface MemoryRow {
  readonly user: User
  readonly ingestedAt: Date
  readonly writes: number
}

export interface CassandraRepoMemoryOptions {
  /** Runs before each write: fail it to inject errors, sleep in it to inject latency. */
  readonly beforeUpsert?: (user: User) => Effect.Effect<void, CassandraWriteError>
  /** Answers the readiness probe. */
  readonly ping?: Effect.Effect<void, CassandraUnavailable>
}

/** An in-memory `users` table keyed by id; a failed write stores nothing. */
export const layer = (table: Map<string, MemoryRow>, options: CassandraRepoMemoryOptions = {}) => {
  const write = (user: User, ingestedAt: Date) =>
    Effect.andThen(
      options.beforeUpsert ? options.beforeUpsert(user) : Effect.void,
      Effect.sync(() => void table.set(user.id, { user, ingestedAt, writes: (table.get(user.id)?.writes ?? 0) + 1 }))
    )
  return Layer.succeed(
    CassandraRepo,
    CassandraRepo.of({
      upsert: (user, ingestedAt) =>
        write(user, ingestedAt).pipe(Effect.withSpan("CassandraRepo.upsert", { kind: "client" }, { captureStackTrace: false })),
      upsertAll: (rows) =>
        Effect.forEach(rows, ({ ingestedAt, span, user }) =>
          write(user, ingestedAt).pipe(
            (writing) => span === undefined ? writing : writing.pipe(
              Effect.withSpan("CassandraRepo.upsert", { kind: "client", parent: span }, { captureStackTrace: false })
            ),
            Effect.as(undefined),
            Effect.catch((error) => Effect.succeed(error))
          ), { concurrency: "unbounded" }),
      ping: options.ping ?? Effect.void
    })
  )
}
