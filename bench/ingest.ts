import { Effect } from "effect"
import { FakeHttpUsers } from "../dev/fake-api/FakeHttpUsers.ts"
import { runCli } from "../dev/cli.ts"
import { ingestArgs } from "../dev/ingestPlan.ts"
import { runScript } from "./lib.ts"
import { loadBacklog, streamEnv } from "./stream.ts"

/** `ingest` from the compatible server into a fresh 6-partition topic: users/s as the program reports it. */
export const ingestRate = (seed: string, count: number, extraEnv: Record<string, string> = {}) =>
  Effect.gen(function*() {
    const api = yield* FakeHttpUsers
    const topic = yield* loadBacklog(`${seed}-empty`, 0)
    const env = { ...streamEnv(topic, false), USERS_API_URL: api.url, ...extraEnv }
    const output = yield* runCli(ingestArgs({ seed, count, concurrency: 4 }), env)
    const produced = Number(/produced=(\d+)/.exec(output)?.[1])
    const seconds = Number(/elapsed=([\d.]+)s/.exec(output)?.[1])
    return { produced, usersPerSec: produced / seconds }
  })

/** The raw kafkajs ceiling: the same records, batches and compression, no HTTP, no Effect. */
export const ingestCeiling = (seed: string, count: number) =>
  Effect.gen(function*() {
    const topic = yield* loadBacklog(`${seed}-empty`, 0)
    const result = yield* runScript<{ usersPerSec: number }>("raw-kafka.ts", [topic, seed, String(count), "4", "zstd"])
    return result.usersPerSec
  })
