import { Console, Effect } from "effect"
import { Command } from "effect/cli"
import { SchemaVersion } from "../domain/User.ts"
import { usersJsonSchema } from "../domain/UsersJsonSchema.ts"
import { CassandraConfig } from "../layers/CassandraConfig.ts"
import { schemaStatements } from "../layers/UsersTable.ts"
import { switchFlag } from "./OperateFlags.ts"

const flags = {
  json: switchFlag("json", "print { version, jsonSchema, cql } as one JSON object"),
  jsonSchemaOnly: switchFlag("json-schema", "print only the JSON Schema document (what schemas/users.v1.json holds)")
}

/** `schema`: the `users.v1` record's JSON Schema (generated from the decoding schema) and the Cassandra table's CQL. */
export const schemaCommand = Command.make("schema", flags, ({ json, jsonSchemaOnly }) =>
  Effect.gen(function*() {
    const jsonSchema = usersJsonSchema()
    const cql = schemaStatements(yield* CassandraConfig.config).map((statement) => `${statement};`)
    if (jsonSchemaOnly) return yield* Console.log(JSON.stringify(jsonSchema, null, 2))
    if (json) return yield* Console.log(JSON.stringify({ version: SchemaVersion, jsonSchema, cql }, null, 2))
    yield* Console.log(`# ${SchemaVersion}: JSON Schema (draft 2020-12) of the Kafka message value`)
    yield* Console.log(JSON.stringify(jsonSchema, null, 2))
    yield* Console.log(`\n-- ${SchemaVersion}: the Cassandra table (CASSANDRA_KEYSPACE, CASSANDRA_TABLE, replication from config)`)
    yield* Console.log(cql.join("\n"))
  })).pipe(Command.withDescription("Print the users.v1 record's JSON Schema and the Cassandra table's CQL"))
