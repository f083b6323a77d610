import { Deferred, Effect, Exit } from "effect"
import type { CommitPosition } from "../domain/CommitWatermark.ts"
import type { ProducerRecord } from "../services/KafkaProducer.ts"

/** A record as stored in a partition of the in-memory log. */
export interface StoredRecord {
  readonly offset: number
  readonly key: Uint8Array | null
  readonly value: Uint8Array | null
  readonly headers: Readonly<Record<string, string>>
  readonly timestamp: number
}

const encoder = new TextEncoder()
const toBytes = (data: string | Uint8Array | null): Uint8Array | null =>
  data === null ? null : typeof data === "string" ? encoder.encode(data) : data

const hash = (bytes: Uint8Array): number => {
  let h = 0x811c9dc5
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193)
  return h >>> 0
}

/**
 * The shared state behind `KafkaProducerMemory` and `KafkaConsumerMemory`: topics split into
 * partitions (keyed records hash to a partition, unkeyed ones go round-robin), offsets, and the
 * consumer groups' committed positions.
 */
export class KafkaMemoryLog {
  private readonly topics = new Map<string, Array<Array<StoredRecord>>>()
  private readonly commits = new Map<string, Map<string, number>>()
  private appended = Deferred.makeUnsafe<void>()
  private roundRobin = 0

  readonly partitions: number
  private readonly now: () => number

  constructor(partitions: number, now: () => number = Date.now) {
    this.partitions = partitions
    this.now = now
  }

  /** The partitions of a topic, created on first use. */
  topic(name: string): ReadonlyArray<ReadonlyArray<StoredRecord>> {
    let parts = this.topics.get(name)
    if (parts === undefined) {
      parts = Array.from({ length: this.partitions }, () => [])
      this.topics.set(name, parts)
    }
    return parts
  }

  /** Appends records, keyed ones to the partition their key hashes to, and wakes waiting consumers. */
  append(topic: string, records: ReadonlyArray<ProducerRecord>): void {
    const parts = this.topic(topic) as Array<Array<StoredRecord>>
    for (const record of records) {
      const key = toBytes(record.key)
      const partition = key === null ? this.roundRobin++ % this.partitions : hash(key) % this.partitions
      const log = parts[partition]!
      log.push({ offset: log.length, key, value: toBytes(record.value), headers: record.headers, timestamp: this.now() })
    }
    Deferred.doneUnsafe(this.appended, Exit.void)
    this.appended = Deferred.makeUnsafe<void>()
  }

  /** Waits for the next append to any topic after this call (take it before reading, so no append is missed). */
  nextAppend(): Effect.Effect<void> {
    return Deferred.await(this.appended)
  }

  /** Every record of a topic, partition by partition. */
  records(topic: string): Array<StoredRecord & { readonly partition: number }> {
    return this.topic(topic).flatMap((log, partition) => log.map((record) => ({ ...record, partition })))
  }

  /** Stores a group's committed positions (the offset of the next message to read). */
  commit(group: string, positions: ReadonlyArray<CommitPosition>): void {
    let offsets = this.commits.get(group)
    if (offsets === undefined) {
      offsets = new Map()
      this.commits.set(group, offsets)
    }
    for (const p of positions) offsets.set(`${p.topic}/${p.partition}`, Number(p.offset))
  }

  /** A group's committed position for a partition, if it committed one. */
  committed(group: string, topic: string, partition: number): number | undefined {
    return this.commits.get(group)?.get(`${topic}/${partition}`)
  }
}
