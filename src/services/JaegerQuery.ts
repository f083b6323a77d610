import { Context, Schema } from "effect"
import type { Effect } from "effect"
import { causeFields, messageOf } from "../domain/ErrorCause.ts"
import type { JaegerTrace } from "../domain/JaegerTrace.ts"

/** Jaeger's query API did not answer (down, wrong `JAEGER_QUERY_URL`) or answered something that is not traces; asking again later can help. */
export class JaegerUnavailable extends Schema.TaggedError<JaegerUnavailable>()("JaegerUnavailable", causeFields) {
  override get message(): string {
    return messageOf(this.context, this.cause)
  }
  get retryable(): boolean {
    return true
  }
}

/** No such trace in Jaeger: never sampled, not exported yet, or past its retention. */
export class TraceNotFound extends Schema.TaggedError<TraceNotFound>()("TraceNotFound", {
  context: Schema.String
}) {
  override get message(): string {
    return this.context
  }
  get retryable(): boolean {
    return false
  }
}

/** A search of `/api/traces`: only parameters of Jaeger's API (service, tags, limit). */
export interface TraceSearch {
  readonly service: string
  readonly tags: Readonly<Record<string, string>>
  readonly limit: number
}

export interface JaegerQueryShape {
  /** The traces with a span of `service` carrying every tag (Jaeger's default search window). */
  readonly findTraces: (search: TraceSearch) => Effect.Effect<ReadonlyArray<JaegerTrace>, JaegerUnavailable>
  /** One whole trace by id, spans of every service. */
  readonly getTrace: (traceId: string) => Effect.Effect<JaegerTrace, TraceNotFound | JaegerUnavailable>
}

export class JaegerQuery extends Context.Service<JaegerQuery, JaegerQueryShape>()(
  "users-pipeline/services/JaegerQuery"
) {}
