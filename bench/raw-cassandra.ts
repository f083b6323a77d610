// Ceiling for `stream`: a plain cassandra-driver loop writing the same rows with the same prepared
// statement, consistency and concurrency — no Kafka, no Effect. Prints one JSON line.
import cassandra from "cassandra-driver"
import { Effect } from "effect"
import { CassandraConfig, clientOptions, Consistency } from "../src/layers/CassandraConfig.ts"
import { insertParams, insertStatement, schemaStatements } from "../src/layers/UsersTable.ts"
import { users } from "./dataset.ts"

const [seed = "bench", countArg = "200000", concurrencyArg = "64"] = process.argv.slice(2)
const config = await Effect.runPromise(CassandraConfig.config)
const rows = users(seed, Number(countArg))
const client = new cassandra.Client(clientOptions(config))
await client.connect()
for (const statement of schemaStatements(config)) await client.execute(statement)
const insert = insertStatement(config)
const options = { prepare: true, isIdempotent: true, consistency: Consistency[config.consistency] }
await client.execute(insert, insertParams(rows[0]!, new Date()), options)

let next = 0
const started = performance.now()
await Promise.all(Array.from({ length: Number(concurrencyArg) }, async () => {
  while (next < rows.length) {
    const user = rows[next++]!
    await client.execute(insert, insertParams(user, new Date()), options)
  }
}))
const seconds = (performance.now() - started) / 1000
await client.shutdown()
console.log(JSON.stringify({ rows: rows.length, seconds, rowsPerSec: rows.length / seconds }))
