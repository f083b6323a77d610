// The users table in CQL: its columns, the idempotent DDL, the one upsert and its bound values.
import cassandra from "cassandra-driver"
import type { User } from "../domain/User.ts"
import type { CassandraConfigShape } from "./CassandraConfig.ts"
import { replicationCql } from "./CassandraConfig.ts"

const columns = [
  "id", "first_name", "last_name", "gender", "address", "post_code", "email", "username",
  "dob", "registered_date", "phone", "picture", "ingested_at"
] as const

/** Columns the prepared INSERT writes; a table lacking one rejects every row. */
export const writtenColumns: ReadonlyArray<string> = [...columns, "written_at"]

const timestampColumns: ReadonlySet<string> = new Set(["dob", "registered_date", "ingested_at", "written_at"])

/** The idempotent DDL run at startup: keyspace, then the users table. */
export const schemaStatements = (config: CassandraConfigShape): ReadonlyArray<string> => [
  `CREATE KEYSPACE IF NOT EXISTS ${config.keyspace} WITH replication = ${replicationCql(config)}`,
  `CREATE TABLE IF NOT EXISTS ${config.keyspace}.${config.table} (${
    [...columns, "written_at"].map((c) => `${c} ${c === "id" ? "uuid PRIMARY KEY" : timestampColumns.has(c) ? "timestamp" : "text"}`).join(", ")
  })`
]

/** The one prepared upsert; its write timestamp is `ingested_at`, so a replayed older message never wins over a newer one. */
export const insertStatement = (config: CassandraConfigShape): string =>
  `INSERT INTO ${config.keyspace}.${config.table} (${columns.join(", ")}, written_at) ` +
  `VALUES (${columns.map(() => "?").join(", ")}, toTimestamp(now())) USING TIMESTAMP ?`

/** The bound values of `insertStatement` for a user. */
export const insertParams = (user: User, ingestedAt: Date): Array<unknown> => [
  user.id, user.first_name, user.last_name, user.gender, user.address, user.post_code, user.email, user.username,
  new Date(user.dob), new Date(user.registered_date), user.phone, user.picture, ingestedAt,
  cassandra.types.Long.fromNumber(ingestedAt.getTime() * 1000)
]
