import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect } from "effect"
import { spawnSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { SchemaVersion } from "../../src/domain/User.ts"
import { usersJsonSchema } from "../../src/domain/UsersJsonSchema.ts"
import { CassandraConfig } from "../../src/layers/CassandraConfig.ts"
import { schemaStatements } from "../../src/layers/UsersTable.ts"
import { sourceMain as main } from "../../dev/cliEntry.ts"

const snapshot = readFileSync(join(import.meta.dirname, "../../schemas/users.v1.json"), "utf8")
const env = { CASSANDRA_KEYSPACE: "ops_ks", CASSANDRA_TABLE: "people", CASSANDRA_REPLICATION_STRATEGY: "NetworkTopologyStrategy", CASSANDRA_REPLICATION_FACTOR: "3" }

const schema = (...flags: ReadonlyArray<string>) => {
  const result = spawnSync(process.execPath, [main, "schema", ...flags], { encoding: "utf8", env: { ...process.env, ...env }, timeout: 20_000 })
  assert.strictEqual(result.status, 0, result.stderr)
  assert.strictEqual(result.stderr, "")
  return result.stdout
}

/** The columns of a `CREATE TABLE … (name type, …)` statement, as name → type. */
const columnsOf = (createTable: string) =>
  Object.fromEntries(createTable.replace(/^[^(]*\(|\);?$/g, "").split(", ").map((column) => {
    const [name, ...type] = column.split(" ")
    return [name!, type.join(" ")]
  }))

describe("schema command (node src/main.ts)", { timeout: 60_000 }, () => {
  it.effect("--json-schema prints exactly the checked-in snapshot, which is the domain's JSON Schema", () =>
    Effect.sync(() => {
      const printed = schema("--json-schema")
      assert.strictEqual(printed, snapshot)
      assert.deepStrictEqual(JSON.parse(printed), usersJsonSchema())
    }))

  it.effect("--json prints the version, the domain's JSON Schema and the CQL the stream creates its table with (config's keyspace, table, replication)", () =>
    Effect.gen(function*() {
      const printed = JSON.parse(schema("--json"))
      const config = yield* CassandraConfig.config.parse(ConfigProvider.fromUnknown(env))
      assert.deepStrictEqual(Object.keys(printed), ["version", "jsonSchema", "cql"])
      assert.strictEqual(printed.version, SchemaVersion)
      assert.deepStrictEqual(printed.jsonSchema, usersJsonSchema())
      assert.deepStrictEqual(printed.cql, schemaStatements(config).map((statement) => `${statement};`))
      assert.match(printed.cql[0], /^CREATE KEYSPACE IF NOT EXISTS ops_ks WITH replication = \{'class': 'NetworkTopologyStrategy', 'datacenter1': 3\};$/)
      assert.match(printed.cql[1], /^CREATE TABLE IF NOT EXISTS ops_ks\.people \(/)
    }))

  it.effect("the table has a column for every field of the record, typed as the stream writes it, plus ingested_at and written_at", () =>
    Effect.sync(() => {
      const { cql, jsonSchema } = JSON.parse(schema("--json"))
      const fields = Object.keys(jsonSchema.properties)
      const columns = columnsOf(cql[1])
      assert.sameMembers(Object.keys(columns), [...fields, "ingested_at", "written_at"])
      assert.strictEqual(columns["id"], "uuid PRIMARY KEY")
      for (const timestamp of ["dob", "registered_date", "ingested_at", "written_at"]) assert.strictEqual(columns[timestamp], "timestamp")
      for (const field of fields.filter((f) => !["id", "dob", "registered_date"].includes(f))) assert.strictEqual(columns[field], "text", field)
    }))

  it.effect("without flags prints the same JSON Schema and CQL for a reader, each under a heading naming users.v1", () =>
    Effect.sync(() => {
      const { cql } = JSON.parse(schema("--json"))
      const lines = schema().trimEnd().split("\n")
      const cqlHeading = lines.findIndex((line) => line.startsWith("-- "))
      assert.strictEqual(lines[0], `# ${SchemaVersion}: JSON Schema (draft 2020-12) of the Kafka message value`)
      assert.deepStrictEqual(JSON.parse(lines.slice(1, cqlHeading).join("\n")), usersJsonSchema())
      assert.match(lines[cqlHeading]!, new RegExp(`^-- ${SchemaVersion}: the Cassandra table`))
      assert.deepStrictEqual(lines.slice(cqlHeading + 1), cql)
    }))
})
