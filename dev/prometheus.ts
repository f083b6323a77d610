/** The value of counter `name` (`users_written`, …) in Prometheus text: its `name_total` sample, labels or not; 0 when absent. */
export const counter = (metrics: string, name: string): number =>
  Number(new RegExp(`^${name}_total(?:\\{[^}]*\\})? (\\d+(?:\\.\\d+)?)`, "m").exec(metrics)?.[1] ?? 0)
