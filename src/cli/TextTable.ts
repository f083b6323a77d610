/** Rows as aligned text columns, indented; numeric-looking cells are right-aligned. */
export const textTable = (rows: ReadonlyArray<ReadonlyArray<string>>, indent = "  "): string => {
  const widths = rows.reduce<Array<number>>((w, row) => row.map((cell, i) => Math.max(w[i] ?? 0, cell.length)), [])
  const numeric = (cell: string) => /^-?[\d,]+$|^—$/.test(cell)
  return rows.map((row) =>
    indent + row.map((cell, i) => numeric(cell) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)).join("  ").trimEnd()
  ).join("\n")
}

/** A count with thousands separators. */
export const count = (n: number): string => n.toLocaleString("en-US")

/** A value cut to `max` characters, on one line. */
export const cut = (text: string, max: number): string => {
  const line = text.replace(/\s+/g, " ")
  return line.length > max ? `${line.slice(0, max - 1)}…` : line
}
