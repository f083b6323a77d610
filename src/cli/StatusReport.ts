import type { TopicStatus, DeadLetterStatus } from "../programs/status.ts"
import type { TableStats } from "../services/CassandraStats.ts"
import { count, textTable } from "./TextTable.ts"

/** One part of the status: what it found, or the one line saying why it could not look. */
export type Part<A> = { readonly ok: true } & A | { readonly ok: false; readonly error: string }

export interface StatusReport {
  readonly kafka: Part<TopicStatus>
  readonly deadLetters: Part<DeadLetterStatus>
  readonly cassandra: Part<TableStats>
}

const kafkaText = (status: TopicStatus): string => {
  const { group } = status
  const rows = [
    ["partition", "end offset", "committed", "lag"],
    ...status.partitions.map((p) => [String(p.partition), count(p.endOffset), p.committedOffset === null ? "—" : count(p.committedOffset), count(p.lag)]),
    ["total", count(status.totalEndOffset), count(status.partitions.reduce((sum, p) => sum + (p.committedOffset ?? 0), 0)), count(status.totalLag)]
  ]
  const members = group.members.length === 0
    ? ["  no members (no worker running)"]
    : ["  members:", textTable(group.members.map((m) => [m.clientId, m.host, `partitions ${m.partitions.join(",") || "none"}`]), "    ")]
  return [
    `Kafka topic ${status.topic}, group ${status.groupId}: ${group.state}, ${group.members.length} member(s), lag ${count(status.totalLag)}`,
    textTable(rows),
    ...members
  ].join("\n")
}

const deadLetterText = (status: DeadLetterStatus): string => {
  const header = `Dead-letter topic ${status.topic}: ${count(status.messages)} message(s)`
  if (status.newest.length === 0) return header
  return [
    `${header}; newest:`,
    textTable(status.newest.map((l) => [l.failedAt ?? "?", `p${l.partition}@${l.offset}`, l.errorType ?? "(no dlq-error-type)"]))
  ].join("\n")
}

const cassandraText = (stats: TableStats): string =>
  `Cassandra ${stats.keyspace}.${stats.table}: ${stats.complete ? "" : "at least "}${count(stats.rows)} row(s), newest written_at ${
    stats.newestWrittenAt?.toISOString() ?? "—"
  } (${stats.method}: ${stats.tokenRanges} ranges, ${count(stats.pages)} pages, ${count(stats.elapsedMillis)} ms${
    stats.complete ? "" : ", stopped at --row-limit"
  })`

const partText = <A>(title: string, part: Part<A>, render: (a: A) => string) =>
  part.ok ? render(part as A) : `${title}: ${part.error}`

/** The status as one screen of text. */
export const statusText = (report: StatusReport, names: { readonly topic: string; readonly dlqTopic: string; readonly table: string }): string =>
  [
    partText(`Kafka topic ${names.topic}`, report.kafka, kafkaText),
    partText(`Dead-letter topic ${names.dlqTopic}`, report.deadLetters, deadLetterText),
    partText(`Cassandra ${names.table}`, report.cassandra, cassandraText)
  ].join("\n\n")
