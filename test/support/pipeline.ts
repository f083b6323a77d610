import type { IngestOptions } from "../../src/programs/ingest.ts"
import type { StreamOptions } from "../../src/programs/stream.ts"

/** Ingest options for tests: one run of 10 users, fast retries, no progress lines. */
export const ingestOptions = (overrides: Partial<IngestOptions> = {}): IngestOptions => ({
  topic: "users_created",
  count: 10,
  resultsPerRequest: 10,
  concurrency: 1,
  seed: "test",
  every: undefined,
  cron: undefined,
  for: undefined,
  retry: { base: "100 millis", cap: "5 seconds", maxRetries: 5 },
  progressEvery: "1 day",
  ...overrides
})

/** Stream options for tests. */
export const streamOptions = (overrides: Partial<StreamOptions> = {}): StreamOptions => ({
  deadLetterTopic: "users_created.dlq",
  concurrency: 4,
  retry: { base: "100 millis", cap: "5 seconds", maxRetries: undefined },
  progressEvery: "1 day",
  ...overrides
})
