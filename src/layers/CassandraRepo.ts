import { Duration, Effect, Exit, Layer, Option, References, Schedule } from "effect"
import cassandra from "cassandra-driver"
import type { User } from "../domain/User.ts"
import { CassandraRejected, CassandraRepo, CassandraUnavailable } from "../services/CassandraRepo.ts"
import type { CassandraWriteError, UserRow } from "../services/CassandraRepo.ts"
import { CassandraConfig, clientOptions, Consistency } from "./CassandraConfig.ts"
import type { CassandraConfigShape } from "./CassandraConfig.ts"
import { classifyDriverError, confirmAgainstTable, isUnprepared } from "./CassandraErrors.ts"
import { insertParams, insertStatement, schemaStatements } from "./UsersTable.ts"

const { types } = cassandra

const attempt = <A>(run: (signal: AbortSignal) => Promise<A>, context?: string) =>
  Effect.tryPromise({ try: run, catch: (error) => classifyDriverError(error, context) })

/** The table's columns, read from the schema tables (not the driver's cached metadata). */
const tableColumnsQuery = "SELECT column_name FROM system_schema.columns WHERE keyspace_name = ? AND table_name = ?"

interface DriverInternals {
  readonly metadata: { readonly checkSchemaAgreement: () => Promise<boolean> }
  readonly controlConnection?: { readonly connection?: { readonly close: () => void } | null }
}

const internals = (client: cassandra.Client): DriverInternals => client as unknown as DriverInternals

/** Shuts the client down, closing the control socket that driver 4.10 leaks when `connect` fails after the handshake. */
const shutdown = (client: cassandra.Client): Promise<void> =>
  client.shutdown().finally(() => internals(client).controlConnection?.connection?.close())

/** The setting to look at when a connection fails the way a TLS mismatch does (said before the driver's failure). */
const connectHint = (config: CassandraConfigShape, message: string): string =>
  Option.isNone(config.tls) && /ECONNRESET|socket hang up|closed/i.test(message)
    ? "; is CASSANDRA_TLS needed? A node that requires client encryption resets plaintext connections"
    : Option.isSome(config.tls) && /certificate|self.signed|verify/i.test(message)
    ? "; the nodes' certificate was not verified: check CASSANDRA_TLS_CA_FILE (the CA that signed it) and CASSANDRA_TLS_SERVER_NAME"
    : ""

/** A connected driver client for the config (within `CASSANDRA_CONNECT_TIMEOUT`), shut down with the scope. */
export const connect = Effect.fnUntraced(function*(config: CassandraConfigShape) {
  const where = `Cassandra at ${config.contactPoints.join(",")} (CASSANDRA_CONTACT_POINTS, DC ${config.localDataCenter})`
  const client = yield* Effect.acquireRelease(
    Effect.try({ try: () => new cassandra.Client(clientOptions(config)), catch: (error) => classifyDriverError(error, where) }),
    (client) => attempt(() => shutdown(client)).pipe(Effect.timeout(config.connectTimeout), Effect.ignore)
  )
  yield* attempt((signal) => {
    const connecting = client.connect()
    signal.addEventListener("abort", () => connecting.finally(() => shutdown(client)).catch(() => undefined))
    return connecting
  }, `cannot connect to ${where}`).pipe(
    Effect.mapError((error) => {
      const hint = connectHint(config, error.message)
      return hint === "" ? error : classifyDriverError(error.cause, `${error.context}${hint}`)
    }),
    Effect.timeoutOrElse({
      duration: config.connectTimeout,
      orElse: () =>
        Effect.fail(new CassandraUnavailable({
          context: `cannot connect to ${where}: no answer within ${Duration.format(config.connectTimeout)}`
        }))
    })
  )
  return client
})

const createSchema = Effect.fnUntraced(function*(client: cassandra.Client, config: CassandraConfigShape) {
  const context = `cannot create ${config.keyspace}.${config.table}`
  for (const statement of schemaStatements(config)) {
    yield* attempt(() => client.execute(statement), context)
  }
  yield* attempt(() => internals(client).metadata.checkSchemaAgreement(), context).pipe(
    Effect.repeat({ until: (agreed) => agreed, schedule: Schedule.spaced("500 millis") }),
    Effect.timeoutOrElse({
      duration: config.requestTimeout,
      orElse: () => Effect.fail(new CassandraUnavailable({ context: `${context}: no schema agreement between nodes` }))
    })
  )
})

/** The live CassandraRepo: connects, creates keyspace and table if missing, upserts through one prepared INSERT. */
export const layer: Layer.Layer<CassandraRepo, CassandraRejected | CassandraUnavailable, CassandraConfig> =
  Layer.effect(
    CassandraRepo,
    Effect.gen(function*() {
      const config = yield* CassandraConfig
      const client = yield* connect(config)
      yield* createSchema(client, config)
      const insert = insertStatement(config)
      const writeOptions = { prepare: true, isIdempotent: true, consistency: Consistency[config.consistency] }
      // Readiness is "a write at the configured consistency can succeed": a read of the table at that consistency (EACH_QUORUM,
      // which reads do not take, as LOCAL_QUORUM). On a cluster with too few replicas up it fails, as the writes would.
      const pingConsistency = config.consistency === "EACH_QUORUM" ? Consistency.LOCAL_QUORUM : Consistency[config.consistency]
      const pingOptions = { readTimeout: 2_000, consistency: pingConsistency, isIdempotent: true }
      const pingQuery = `SELECT id FROM ${config.keyspace}.${config.table} LIMIT 1`
      const spanAttributes = {
        "db.system.name": "cassandra",
        "db.system": "cassandra",
        "db.namespace": config.keyspace,
        "db.collection.name": config.table
      }

      const upsertAttributes = { ...spanAttributes, "db.operation.name": "INSERT", "db.query.text": insert }
      const columnsNow = attempt(() =>
        client.execute(tableColumnsQuery, [config.keyspace, config.table], { prepare: true, consistency: types.consistencies.localOne })
      ).pipe(Effect.map((result) => result.rows.map((row) => String(row.get("column_name")))))
      /** Driver failures of row writes, classified; a failure the table itself may cause is checked against its columns (once). */
      const rowFailures = (failures: ReadonlyArray<unknown>): Effect.Effect<ReadonlyArray<CassandraWriteError>> => {
        const classified = failures.map((error) => classifyDriverError(error, undefined, "row"))
        const suspect = classified.map((error, i) => error._tag === "CassandraRejected" ? error.affects === "row" : isUnprepared(failures[i]))
        if (!suspect.includes(true)) return Effect.succeed(classified)
        return columnsNow.pipe(
          Effect.map((present) => classified.map((error, i) => suspect[i] ? confirmAgainstTable(error, present) : error)),
          Effect.catch((error) => Effect.succeed(classified.map((e, i) => suspect[i] ? error : e)))
        )
      }
      const write = (user: User, ingestedAt: Date) =>
        Effect.tryPromise({ try: () => client.execute(insert, insertParams(user, ingestedAt), writeOptions), catch: (error) => error })
          .pipe(Effect.catch((error) => Effect.flatMap(rowFailures([error]), ([classified]) => Effect.fail(classified!))))
      // The driver's executeConcurrent: one promise for the rows, each row's result or error in `resultItems`.
      const writeAll = (rows: ReadonlyArray<UserRow>): Effect.Effect<ReadonlyArray<CassandraWriteError | undefined>> =>
        Effect.tryPromise({
          try: () =>
            cassandra.concurrent.executeConcurrent(client, insert, rows.map(({ ingestedAt, user }) => insertParams(user, ingestedAt)), {
              concurrencyLevel: rows.length,
              raiseOnFirstError: false,
              collectResults: true,
              maxErrors: rows.length
            }),
          catch: (error) => error
        }).pipe(
          Effect.map((group): ReadonlyArray<unknown> => rows.map((_, i) => group.resultItems[i] instanceof Error ? group.resultItems[i] : undefined)),
          Effect.catch((error) => Effect.succeed(rows.map((): unknown => error))),
          Effect.flatMap((failures): Effect.Effect<ReadonlyArray<CassandraWriteError | undefined>> => {
            const failed = failures.flatMap((error, i) => error === undefined ? [] : [i])
            if (failed.length === 0) return Effect.succeed(rows.map(() => undefined))
            return Effect.map(rowFailures(failed.map((i) => failures[i])), (errors) => {
              const outcomes: Array<CassandraWriteError | undefined> = rows.map(() => undefined)
              failed.forEach((row, i) => (outcomes[row] = errors[i]))
              return outcomes
            })
          })
        )
      // A traced row's span lasts as long as the bulk write it is part of.
      const upsertSpans = (rows: ReadonlyArray<UserRow>) =>
        Effect.forEach(rows, ({ span, user }) =>
          span === undefined ? Effect.succeed(undefined) : Effect.makeSpan("CassandraRepo.upsert", {
            parent: span,
            kind: "client",
            attributes: { ...upsertAttributes, "user.id": user.id }
          }))
      const upsertAll = (rows: ReadonlyArray<UserRow>): Effect.Effect<ReadonlyArray<CassandraWriteError | undefined>> => {
        if (rows.length === 0) return Effect.succeed([])
        if (!rows.some((row) => row.span !== undefined)) return writeAll(rows)
        return Effect.flatMap(upsertSpans(rows), (spans) =>
          Effect.tap(writeAll(rows), (outcomes) =>
            Effect.clockWith((clock) =>
              Effect.sync(() => {
                const now = clock.currentTimeNanosUnsafe()
                spans.forEach((span, i) => span?.end(now, outcomes[i] === undefined ? Exit.void : Exit.fail(outcomes[i])))
              })
            )))
      }
      // A span per row when tracing is on (without the stack trace Effect.fn captures per call); none at all when off.
      const upsert = (yield* References.TracerEnabled)
        ? (user: User, ingestedAt: Date) =>
          write(user, ingestedAt).pipe(
            Effect.withSpan("CassandraRepo.upsert", { kind: "client", attributes: { ...upsertAttributes, "user.id": user.id } }, {
              captureStackTrace: false
            })
          )
        : write

      const ping = attempt(() => client.execute(pingQuery, [], pingOptions)).pipe(
        Effect.catchTag("CassandraRejected", ({ cause, context }) => Effect.fail(new CassandraUnavailable({ context, cause }))),
        Effect.asVoid,
        Effect.withSpan("CassandraRepo.ping", {
          kind: "client",
          attributes: {
            ...spanAttributes,
            "db.operation.name": "SELECT",
            "db.query.text": pingQuery
          }
        })
      )

      return CassandraRepo.of({ upsert, upsertAll, ping })
    })
  )
