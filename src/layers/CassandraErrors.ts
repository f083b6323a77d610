import cassandra from "cassandra-driver"
import { CassandraRejected, CassandraUnavailable } from "../services/CassandraRepo.ts"
import { writtenColumns } from "./UsersTable.ts"

const { errors, types } = cassandra
const codes = types.responseErrorCodes

const transientResponseCodes: ReadonlySet<number> = new Set([
  codes.serverError,
  codes.unavailableException,
  codes.overloaded,
  codes.isBootstrapping,
  codes.truncateError,
  codes.writeTimeout,
  codes.readTimeout,
  codes.readFailure,
  codes.writeFailure,
  codes.unprepared,
  codes.clientWriteFailure
])

const isTransient = (error: unknown): boolean => {
  if (error instanceof errors.NoHostAvailableError) {
    const inner: Array<unknown> = Object.values(error.innerErrors ?? {})
    return inner.length === 0 || inner.some(isTransient)
  }
  if (error instanceof errors.ResponseError) return transientResponseCodes.has(error.code)
  if (error instanceof errors.OperationTimedOutError || error instanceof errors.BusyConnectionError) return true
  return !(
    error instanceof errors.AuthenticationError ||
    error instanceof errors.ArgumentError ||
    error instanceof errors.NotSupportedError ||
    error instanceof errors.DriverInternalError ||
    error instanceof TypeError ||
    error instanceof RangeError
  )
}

/** A refusal that can be about the bound values: the driver could not encode one, or the server found the request invalid. */
const aboutValues = (error: unknown): boolean =>
  error instanceof TypeError || error instanceof RangeError ||
  (error instanceof errors.ResponseError && error.code === codes.invalid)

/**
 * Classifies a driver failure: `CassandraUnavailable` when writing again can help, `CassandraRejected` when not.
 * Only a request that carried a row's values (`request: "row"`) can be rejected for that row alone.
 */
export const classifyDriverError = (
  error: unknown,
  context = "",
  request: "row" | "other" = "other"
): CassandraUnavailable | CassandraRejected => {
  if (isTransient(error)) return new CassandraUnavailable({ context, cause: error })
  return new CassandraRejected({ context, cause: error, affects: request === "row" && aboutValues(error) ? "row" : "every-row" })
}

/**
 * Checks a failed row write against the table's columns: when one the insert writes is missing (or the table is gone), no
 * row can be written, so the failure becomes every row's rejection. Otherwise it stays as it was.
 */
export const confirmAgainstTable = <E extends CassandraRejected | CassandraUnavailable>(
  error: E,
  tableColumns: ReadonlyArray<string>
): E | CassandraRejected => {
  const present = new Set(tableColumns)
  const missing = writtenColumns.filter((column) => !present.has(column))
  if (missing.length === 0 || (error._tag === "CassandraRejected" && error.affects === "every-row")) return error
  return new CassandraRejected({
    context: `the table lacks ${missing.length === writtenColumns.length ? "every column: it does not exist" : missing.join(", ")}`,
    cause: error,
    affects: "every-row"
  })
}

/** The server no longer knows the prepared statement: after a restart (transient), or after a schema change broke it. */
export const isUnprepared = (error: unknown): boolean =>
  error instanceof errors.ResponseError ? error.code === codes.unprepared
    : error instanceof errors.NoHostAvailableError && Object.values<unknown>(error.innerErrors ?? {}).some(isUnprepared)
