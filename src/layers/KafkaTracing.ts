import type { Tracer } from "effect"
import { remoteParent } from "../domain/TraceContext.ts"
import type { ProducerRecord } from "../services/KafkaProducer.ts"

/** Span options of a batch send: a producer span linking to each record's `create` span (OTel messaging conventions for batches). */
export const sendSpanOptions = (topic: string, records: ReadonlyArray<ProducerRecord>): Tracer.SpanOptions => ({
  kind: "producer",
  captureStackTrace: false,
  attributes: {
    "messaging.system": "kafka",
    "messaging.operation.type": "send",
    "messaging.destination.name": topic,
    "messaging.batch.message_count": records.length
  },
  links: records.flatMap((record) => {
    const span = remoteParent(record.headers)
    return span === undefined ? [] : [{ span, attributes: {} }]
  })
})
