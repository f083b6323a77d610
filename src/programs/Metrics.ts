import { Effect, Metric } from "effect"
import type { Duration } from "effect"

const count = (name: string, description: string) => Metric.counter(name, { description, incremental: true })
const millis = (name: string, description: string) =>
  Metric.histogram(name, { description, boundaries: Metric.exponentialBoundaries({ start: 1, factor: 2, count: 16 }) })

/** Users received from the API, valid or not. */
export const usersFetched = count("users_fetched", "users received from the randomuser API")
/** Users skipped because they failed validation. */
export const usersInvalid = count("users_invalid", "users of a page that failed validation and were skipped")
/** Users acknowledged by Kafka. */
export const usersProduced = count("users_produced", "users published to Kafka and acknowledged")
/** Scheduled ingest runs that failed after their retries (the schedule went on). */
export const ingestRunsFailed = count("ingest_runs_failed", "scheduled ingest runs that failed after their retries")
/** Rows upserted into Cassandra. */
export const usersWritten = count("users_written", "users written as Cassandra rows")
/** Messages sent to the dead-letter topic. */
export const usersDeadLettered = count("users_dead_lettered", "messages sent to the dead-letter topic")
/** Failures by error tag, retried or not. */
export const pipelineErrors = count("pipeline_errors", "errors met by ingest and stream, by error.type")
/** Time of one Cassandra upsert attempt. */
export const writeLatency = millis("cassandra_write_duration_ms", "duration of one Cassandra upsert, milliseconds")
/** Time from the message's Kafka timestamp to its row being written. */
export const endToEndLatency = millis("users_end_to_end_latency_ms", "from produce (Kafka timestamp) to row written, milliseconds")

/** Counts one error under its tag. */
export const countError = (error: { readonly _tag: string }) =>
  Metric.update(Metric.withAttributes(pipelineErrors, { "error.type": error._tag }), 1)

/** A program's progress reporter: logs the line `line` describes every `every`, until interrupted. */
export const progressLines = <E, R>(every: Duration.Input, line: Effect.Effect<string, E, R>) =>
  line.pipe(Effect.flatMap((text) => Effect.logInfo(text)), Effect.delay(every), Effect.forever)
