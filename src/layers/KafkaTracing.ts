import type { Tracer } from "effect"
import { messagingAttributes, remoteParent } from "../domain/TraceContext.ts"
import type { ProducerRecord } from "../services/KafkaProducer.ts"

/** Most links a `send` span carries: a 5000-record batch linking every `create` would make a span too large to be useful. */
export const maxSendLinks = 128

const sampledLinks = (records: ReadonlyArray<ProducerRecord>): Array<Tracer.SpanLink> => {
  const links: Array<Tracer.SpanLink> = []
  for (const record of records) {
    if (links.length === maxSendLinks) break
    const span = remoteParent(record.headers)
    if (span?.sampled === true) links.push({ span, attributes: {} })
  }
  return links
}

/**
 * Span options of a batch send: a producer span linking to the records' sampled `create` spans (OTel messaging
 * conventions for batches), at most `maxSendLinks` of them.
 */
export const sendSpanOptions = (topic: string, records: ReadonlyArray<ProducerRecord>): Tracer.SpanOptions => ({
  kind: "producer",
  captureStackTrace: false,
  attributes: {
    ...messagingAttributes("send", topic),
    "messaging.batch.message_count": records.length
  },
  links: sampledLinks(records)
})
