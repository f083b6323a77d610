import { assert, describe, it } from "@effect/vitest"
import cassandra from "cassandra-driver"
import { classifyDriverError, confirmAgainstTable } from "../../src/layers/CassandraErrors.ts"
import { writtenColumns } from "../../src/layers/UsersTable.ts"
import { CassandraRejected, CassandraUnavailable } from "../../src/services/CassandraRepo.ts"

const { errors, types } = cassandra
const codes = types.responseErrorCodes

const tagOf = (error: unknown) => classifyDriverError(error)._tag

const connectionRefused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" })

describe("classifyDriverError", () => {
  it("treats server answers that retrying can outlive as unavailable", () => {
    for (const code of [
      codes.unavailableException,
      codes.overloaded,
      codes.isBootstrapping,
      codes.writeTimeout,
      codes.readTimeout,
      codes.truncateError,
      codes.writeFailure,
      codes.serverError
    ]) {
      assert.strictEqual(tagOf(new errors.ResponseError(code, "try later")), "CassandraUnavailable", `code ${code}`)
    }
  })

  it("treats invalid queries, schema and authorization answers as rejected", () => {
    for (const code of [
      codes.syntaxError,
      codes.invalid,
      codes.unauthorized,
      codes.badCredentials,
      codes.configError,
      codes.alreadyExists,
      codes.protocolError
    ]) {
      assert.strictEqual(tagOf(new errors.ResponseError(code, "no")), "CassandraRejected", `code ${code}`)
    }
  })

  it("treats client timeouts, busy pools and dropped connections as unavailable", () => {
    assert.strictEqual(tagOf(new errors.OperationTimedOutError("no answer", "127.0.0.1:9042")), "CassandraUnavailable")
    assert.strictEqual(tagOf(new errors.BusyConnectionError("127.0.0.1:9042", 2048, 1)), "CassandraUnavailable")
    assert.strictEqual(tagOf(connectionRefused), "CassandraUnavailable")
    assert.strictEqual(tagOf(Object.assign(new Error("Socket was closed"), { isSocketError: true })), "CassandraUnavailable")
  })

  it("treats no host available as unavailable unless every host refused the credentials", () => {
    const refused = new errors.NoHostAvailableError({ "127.0.0.1:1": connectionRefused })
    assert.strictEqual(tagOf(refused), "CassandraUnavailable")
    assert.strictEqual(tagOf(new errors.NoHostAvailableError({})), "CassandraUnavailable")
    const badLogin = new errors.NoHostAvailableError({
      "10.0.0.1:9042": new errors.AuthenticationError("Provided username and/or password are incorrect"),
      "10.0.0.2:9042": new errors.ResponseError(codes.badCredentials, "bad credentials")
    })
    assert.strictEqual(tagOf(badLogin), "CassandraRejected")
    const mixed = new errors.NoHostAvailableError({
      "10.0.0.1:9042": new errors.AuthenticationError("bad credentials"),
      "10.0.0.2:9042": new errors.OperationTimedOutError("no answer")
    })
    assert.strictEqual(tagOf(mixed), "CassandraUnavailable")
  })

  it("treats client-side misuse and unencodable values as rejected", () => {
    assert.strictEqual(tagOf(new errors.AuthenticationError("bad credentials")), "CassandraRejected")
    assert.strictEqual(tagOf(new errors.ArgumentError("bad option")), "CassandraRejected")
    assert.strictEqual(tagOf(new errors.NotSupportedError("no")), "CassandraRejected")
    assert.strictEqual(tagOf(new errors.DriverInternalError("bug")), "CassandraRejected")
    assert.strictEqual(tagOf(new TypeError("Invalid date: yesterday")), "CassandraRejected")
  })

  it("keeps the driver's message on one line, prefixed with the context", () => {
    const error = classifyDriverError(
      new errors.NoHostAvailableError({ "127.0.0.1:1": connectionRefused }),
      "cannot connect to Cassandra at 127.0.0.1:1"
    )
    assert.strictEqual(error._tag, "CassandraUnavailable")
    assert.strictEqual(
      error.message,
      "cannot connect to Cassandra at 127.0.0.1:1: no host available: 127.0.0.1:1 (connect ECONNREFUSED 127.0.0.1:1)"
    )
    assert.notInclude(error.message, "\n")
  })

  it("says a rejection of a row's values concerns that row only", () => {
    const affects = (error: unknown, request: "row" | "other") => {
      const classified = classifyDriverError(error, undefined, request)
      return classified._tag === "CassandraRejected" ? classified.affects : classified._tag
    }
    assert.strictEqual(affects(new TypeError("Not a valid Uuid, expected Uuid/String/Buffer, obtained 'x'"), "row"), "row")
    assert.strictEqual(affects(new RangeError("value out of range"), "row"), "row")
    assert.strictEqual(affects(new errors.ResponseError(codes.invalid, "Rejected an oversized mutation"), "row"), "row")
  })

  it("says a rejection that no write can get past concerns every row", () => {
    const affects = (error: unknown, request: "row" | "other") => (classifyDriverError(error, undefined, request) as CassandraRejected).affects
    for (const code of [codes.unauthorized, codes.badCredentials, codes.syntaxError, codes.configError, codes.protocolError]) {
      assert.strictEqual(affects(new errors.ResponseError(code, "no"), "row"), "every-row", `code ${code}`)
    }
    assert.strictEqual(affects(new errors.AuthenticationError("bad credentials"), "row"), "every-row")
    assert.strictEqual(affects(new errors.ArgumentError("bad option"), "row"), "every-row")
    assert.strictEqual(affects(new errors.ResponseError(codes.invalid, "unconfigured table users"), "other"), "every-row")
    assert.strictEqual(affects(new TypeError("Invalid date: yesterday"), "other"), "every-row")
  })

  it("turns a row write's failure into every row's rejection when the table lacks a written column or is gone", () => {
    const rejection = new CassandraRejected({ context: "unconfigured table users", affects: "row" })
    assert.strictEqual(confirmAgainstTable(rejection, writtenColumns).affects, "row")
    const dropped = confirmAgainstTable(rejection, writtenColumns.filter((c) => c !== "written_at"))
    assert.strictEqual(dropped.affects, "every-row")
    assert.include(dropped.message, "written_at")
    const gone = confirmAgainstTable(rejection, [])
    assert.strictEqual(gone.affects, "every-row")
    assert.include(gone.message, "does not exist")
    const everyRow = new CassandraRejected({ context: "unauthorized", affects: "every-row" })
    assert.strictEqual(confirmAgainstTable(everyRow, writtenColumns), everyRow)
    const unprepared = new CassandraUnavailable({ context: "Prepared query not found" })
    assert.strictEqual(confirmAgainstTable(unprepared, writtenColumns), unprepared)
    assert.strictEqual(confirmAgainstTable(unprepared, writtenColumns.slice(1))._tag, "CassandraRejected")
  })
})
