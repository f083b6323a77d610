import { Schema } from "effect"
import { IsoDateTime, PostCode } from "./RandomUser.ts"

/** Value of the `schema-version` header and the name of the record's contract. */
export const SchemaVersion = "users.v1"

/** The headers of every record `ingest` publishes (the trace context is added per record). */
export const RecordHeaders = { "content-type": "application/json", "schema-version": SchemaVersion } as const

/**
 * The `users.v1` record: the Kafka message value and the Cassandra row.
 * Field names are the seed DAG's `format_data`, so either side can talk to the seed's.
 */
export const User = Schema.Struct({
  id: Schema.String.check(Schema.isUUID()),
  first_name: Schema.String,
  last_name: Schema.String,
  gender: Schema.String,
  address: Schema.String,
  post_code: PostCode,
  email: Schema.String,
  username: Schema.String,
  dob: IsoDateTime,
  registered_date: IsoDateTime,
  phone: Schema.String,
  picture: Schema.String
})
export type User = typeof User.Type
