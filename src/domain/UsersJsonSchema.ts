import { JsonSchema, Schema } from "effect"
import { SchemaVersion, User } from "./User.ts"

/** A standalone JSON Schema (draft 2020-12) document, as a registry stores it. */
export type JsonSchemaDocument = Readonly<Record<string, unknown>>

/**
 * The `users.v1` message value's JSON Schema, generated from the `User` schema the stream decodes with.
 * It describes what a producer may send (the encoded side: `post_code` a string or a number).
 */
export const usersJsonSchema = (): JsonSchemaDocument => {
  const document = Schema.toJsonSchemaDocument(User)
  return {
    $schema: JsonSchema.META_SCHEMA_URI_DRAFT_2020_12,
    $id: `urn:users-pipeline:${SchemaVersion}`,
    title: SchemaVersion,
    description: "A user as published to Kafka (the message value, JSON) and written as one Cassandra row; field names are the seed DAG's.",
    ...document.schema,
    ...(Object.keys(document.definitions).length > 0 ? { $defs: document.definitions } : {})
  }
}
