import type { RedriveSummary } from "../programs/redrive.ts"
import type { DeadLetter } from "../services/DeadLetterQueue.ts"
import { count, cut, textTable } from "./TextTable.ts"

const text = (bytes: Uint8Array | null) => bytes === null ? null : Buffer.from(bytes).toString("utf8")

/** A letter for `--json`: where it came from, why it failed, and its key and value as text. */
export const letterJson = (letter: DeadLetter) => ({
  partition: letter.partition,
  offset: letter.offset,
  errorType: letter.info.errorType ?? null,
  errorMessage: letter.info.errorMessage ?? null,
  failedAt: letter.info.failedAt?.toISOString() ?? null,
  source: { topic: letter.info.sourceTopic ?? null, partition: letter.info.sourcePartition ?? null, offset: letter.info.sourceOffset ?? null },
  redriveCount: letter.info.redriveCount,
  key: text(letter.key),
  value: text(letter.value)
})

/** `dlq list` as a table. */
export const lettersText = (topic: string, total: number, letters: ReadonlyArray<DeadLetter>): string => {
  const header = `${topic}: ${count(total)} letter(s); ${letters.length === 0 ? "none matching" : `newest ${letters.length}:`}`
  if (letters.length === 0) return header
  const rows = [
    ["failed at", "dlq", "error type", "redrives", "source", "message", "value"],
    ...letters.map((l) => [
      l.info.failedAt?.toISOString() ?? "?",
      `p${l.partition}@${l.offset}`,
      l.info.errorType ?? "?",
      String(l.info.redriveCount),
      `${l.info.sourceTopic ?? "?"}/${l.info.sourcePartition ?? "?"}@${l.info.sourceOffset ?? "?"}`,
      cut(l.info.errorMessage ?? "", 48),
      l.value === null ? "(null)" : l.value.length === 0 ? "(empty)" : cut(text(l.value)!, 40)
    ])
  ]
  return `${header}\n${textTable(rows)}`
}

/** `dlq redrive`'s outcome. */
export const redriveText = (summary: RedriveSummary): string => {
  const verb = summary.dryRun ? "would redrive" : "redriven"
  const lines = [
    `${summary.dryRun ? "dry run: " : ""}group ${summary.groupId}: ${summary.pending} letter(s) pending; ${verb} ${summary.redriven.length}, ` +
    `kept ${summary.kept.length} (redriven --max-redrives times already), left ${summary.left.length} (not selected this run)`
  ]
  if (summary.redriven.length > 0) {
    lines.push(textTable(summary.redriven.map((l) => [`p${l.partition}@${l.offset}`, l.errorType ?? "?", `→ ${l.target}`, `redrive ${l.redriveCount + 1}`])))
  }
  lines.push(`committed: ${summary.committed.map((c) => `p${c.partition}@${c.offset}${c.settledAhead > 0 ? ` (+${c.settledAhead} settled after it)` : ""}`).join(", ") || "nothing"}${summary.dryRun ? " (unchanged)" : ""}`)
  return lines.join("\n")
}
