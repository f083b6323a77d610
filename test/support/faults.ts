import { assert, layer } from "@effect/vitest"
import { Duration, Effect } from "effect"
import type { Scope } from "effect"
import { mkdirSync, writeFileSync } from "node:fs"
import { connect } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { DeadLetterHeader } from "../../src/domain/DeadLetter.ts"
import type { CassandraTable } from "../../dev/cassandra.ts"
import { eventually, startCli } from "../../dev/cli.ts"
import type { CliProcess } from "../../dev/cli.ts"
import { FakeHttpUsers } from "../../dev/fake-api/FakeHttpUsers.ts"
import { AssignerProtocol } from "kafkajs"
import { drained, freshEnv, kafkaAdmin, readTopic } from "../../dev/kafka.ts"
import type { ReadMessage } from "../../dev/kafka.ts"
import { ingestArgs } from "../../dev/ingestPlan.ts"
import type { IngestPlan } from "../../dev/ingestPlan.ts"
import { counter } from "../../dev/prometheus.ts"
import { stack } from "../../dev/stack.ts"

/**
 * One fault scenario as a test: `body` runs scoped (its processes are killed and their logs kept when it ends)
 * with the suite's fake users API served in-process, under the suite's timeouts.
 */
export const faultScenario = <A, E>(suite: string, test: string, body: Effect.Effect<A, E, FakeHttpUsers | Scope.Scope>) =>
  layer(FakeHttpUsers.layer(), { timeout: "15 minutes", excludeTestServices: true })(suite, (it) => {
    it.effect(test, () => body.pipe(Effect.scoped), { timeout: 600_000 })
  })

/** A fresh isolated pipeline (see `freshEnv`) whose `ingest` reads the fake users API. */
export const fakeApiPipeline = (extra: Record<string, string> = {}) =>
  Effect.gen(function*() {
    const api = yield* FakeHttpUsers
    return { api, env: freshEnv({ USERS_API_URL: api.url, ...extra }) }
  })

const ports = { kafka: 9092, cassandra: 9042 } as const

const answers = (port: number) =>
  Effect.callback<boolean>((resume) => {
    const socket = connect({ host: "127.0.0.1", port }, () => socket.destroy())
    socket.on("connect", () => resume(Effect.succeed(true)))
    socket.on("error", () => resume(Effect.succeed(false)))
  })

/** Stops a server of this checkout's stack, making sure its port is really closed (a server of another clone's stack would not be stopped). */
const stop = (server: keyof typeof ports) =>
  stack("stop", server).pipe(
    Effect.andThen(answers(ports[server])),
    Effect.flatMap((open) =>
      open ? Effect.die(new Error(`${server} still answers on ${ports[server]}: it is not a server of this checkout's stack`)) : Effect.void
    )
  )

/** Runs `body` with a server stopped; the server is started again however `body` ends. */
export const whileStopped = <A, E, R>(server: keyof typeof ports, body: Effect.Effect<A, E, R>) =>
  Effect.acquireUseRelease(stop(server), () => body, () => stack("up", server))

/** `stack.sh restart`, checking the server really went down in between. */
export const restart = (server: keyof typeof ports) => whileStopped(server, Effect.void)

const get = (url: string) =>
  Effect.promise(() =>
    fetch(url, { signal: AbortSignal.timeout(5_000) })
      .then(async (r) => ({ status: r.status, body: await r.text() }))
      .catch(() => ({ status: 0, body: "" }))
  )

/** Where the output of a scenario's processes is kept (one file per process, written when the scenario ends). */
export const logDir = (env: Record<string, string>) => join(tmpdir(), "users-pipeline-faults", env.KAFKA_TOPIC!)

/** Starts the CLI like `startCli`, keeping its output in `logDir(env)/<name>.log` once the scope closes. */
export const startLogged = (name: string, args: ReadonlyArray<string>, env: Record<string, string>) =>
  Effect.tap(startCli(args, env), (cli) =>
    Effect.addFinalizer(() =>
      Effect.sync(() => {
        mkdirSync(logDir(env), { recursive: true })
        writeFileSync(join(logDir(env), `${name}.log`), cli.output())
      })
    ))

/** Waits for a CLI process to exit 0, dying with its output if it exits otherwise or is still running after `timeout`. */
export const exitsZero = (cli: CliProcess, what: string, timeout: Duration.Input = "5 minutes") =>
  cli.exit.pipe(
    Effect.timeoutOrElse({ duration: timeout, orElse: () => Effect.succeed("still running" as const) }),
    Effect.flatMap((code) =>
      code === 0 ? Effect.void : Effect.die(new Error(`${what}: ${code === "still running" ? code : `exit ${code}`}\n${cli.output().slice(-6_000)}`))
    )
  )

/** A `stream` worker with its status port. */
export interface Worker extends CliProcess {
  readonly name: string
  readonly port: number
  /** `/readyz` answered 200 (group joined, Cassandra answering). */
  readonly ready: Effect.Effect<boolean>
  /** The `/readyz` status code (0 when the port does not answer). */
  readonly readyStatus: Effect.Effect<number>
  /** `users_written` and `users_dead_lettered` from `/metrics` (zero when the port does not answer). */
  readonly counters: Effect.Effect<{ readonly written: number; readonly deadLettered: number }>
}

let nextPort = 19_700 + (process.pid % 50) * 20

/** Starts `node dist/main.js stream` with its own `STREAM_HTTP_PORT`; killed with the scope if still running. */
export const startWorker = (name: string, env: Record<string, string>, args: ReadonlyArray<string> = []) =>
  Effect.gen(function*() {
    const port = nextPort++
    const cli = yield* startLogged(name, ["stream", ...args], { ...env, STREAM_HTTP_PORT: String(port) })
    const base = `http://127.0.0.1:${port}`
    const readyStatus = Effect.map(get(`${base}/readyz`), (r) => r.status)
    return {
      ...cli,
      name,
      port,
      readyStatus,
      ready: Effect.map(readyStatus, (status) => status === 200),
      counters: Effect.map(get(`${base}/metrics`), ({ body }) => ({
        written: counter(body, "users_written"),
        deadLettered: counter(body, "users_dead_lettered")
      }))
    } satisfies Worker
  })

/** Starts a worker like `startWorker` and waits (up to 2 minutes) for its `/readyz` to answer 200. */
export const startReadyWorker = (name: string, env: Record<string, string>, args: ReadonlyArray<string> = []) =>
  Effect.tap(startWorker(name, env, args), (worker) => eventually(`${name} ready`, worker.ready, "2 minutes"))

/** Starts the run's `ingest` (output logged as `ingest.log`) with the pipeline's environment plus `extra`. */
export const startIngest = (env: Record<string, string>, plan: IngestPlan, extra: Record<string, string> = {}) =>
  startLogged("ingest", ingestArgs(plan), { ...env, ...extra })

/** Waits for ingest to exit 0 (see `exitsZero`) and checks it reports every expected user produced. */
export const ingestProducedAll = (ingest: CliProcess, expected: { readonly users: ReadonlyArray<unknown> }) =>
  Effect.gen(function*() {
    yield* exitsZero(ingest, "ingest")
    assert.include(ingest.output(), `produced=${expected.users.length}`)
  })

/** Stops a worker with SIGTERM and checks it shut down gracefully (exit 0). */
export const stopWorker = (worker: Worker) =>
  Effect.gen(function*() {
    yield* worker.signal("SIGTERM")
    const code = yield* worker.exit.pipe(Effect.timeoutOrElse({ duration: "60 seconds", orElse: () => Effect.succeed(-1) }))
    assert.strictEqual(code, 0, `${worker.name} did not exit 0 after SIGTERM:\n${worker.output().slice(-4_000)}`)
  })

/** The partitions of `topic` assigned to each member of the group. */
export const assignments = (groupId: string, topic: string) =>
  Effect.scoped(Effect.gen(function*() {
    const admin = yield* kafkaAdmin
    const { groups } = yield* Effect.promise(() => admin.describeGroups([groupId]))
    return (groups[0]?.members ?? []).map((member) =>
      AssignerProtocol.MemberAssignment.decode(member.memberAssignment)?.assignment[topic] ?? []
    )
  }))

/** True when the group has `members` members, each owning a partition, together owning all `partitions`. */
export const balanced = (members: number, partitions: number) => (split: ReadonlyArray<ReadonlyArray<number>>) =>
  split.length === members && split.every((p) => p.length > 0) && new Set(split.flat()).size === partitions

/** Upserts Cassandra applied to a table since it started (`system_views.local_write_latency`). */
export const writesApplied = (table: CassandraTable) =>
  Effect.promise(() =>
    table.client.execute(
      "SELECT count FROM system_views.local_write_latency WHERE keyspace_name = ? AND table_name = ?",
      [table.keyspace, table.table]
    )
  ).pipe(Effect.map((result) => Number(result.first()?.get("count") ?? 0)))

/** Ids and `written_at` of the rows with these ids. */
export const writtenAt = (table: CassandraTable, ids: Iterable<string>) =>
  table.rows(ids).pipe(Effect.map((rows) =>
    new Map([...rows].map(([id, row]) => [id, (row.get("written_at") as Date).getTime()]))
  ))

/** Asserts the table holds exactly `expected` ids: none missing, none extra. */
export const assertExactRows = (ids: ReadonlySet<string>, expected: ReadonlySet<string>) => {
  const missing = [...expected].filter((id) => !ids.has(id))
  const extra = [...ids].filter((id) => !expected.has(id))
  assert.deepStrictEqual(
    { missing: missing.length, extra: extra.length, firstMissing: missing.slice(0, 3), firstExtra: extra.slice(0, 3) },
    { missing: 0, extra: 0, firstMissing: [], firstExtra: [] },
    "rows in Cassandra differ from the valid users produced"
  )
}

/** The dlq-* headers every dead letter carries (`dlq-redrive-count` only once it was redriven). */
const everyLetterHeaders = Object.values(DeadLetterHeader).filter((header) => header !== DeadLetterHeader.redriveCount)

/** The dead-letter topic's messages, each checked for the dlq-* headers. */
export const deadLetters = (env: Record<string, string>) =>
  Effect.map(readTopic(env.KAFKA_DLQ_TOPIC!), (messages) => {
    for (const m of messages) {
      for (const header of everyLetterHeaders) assert.isTrue((m.headers[header] ?? "").length > 0, `${header} missing`)
      assert.strictEqual(m.headers[DeadLetterHeader.sourceTopic], env.KAFKA_TOPIC)
      assert.isFalse(Number.isNaN(Date.parse(m.headers[DeadLetterHeader.failedAt]!)))
    }
    return messages
  })

/** What a scenario's flow left behind once the group committed every message. */
export interface Landed {
  /** The ids in the users table: exactly the expected ones. */
  readonly ids: ReadonlySet<string>
  /** The dead-letter topic's messages, each with its dlq-* headers. */
  readonly dead: ReadonlyArray<ReadMessage>
}

/**
 * Waits (up to `within`) for the group to commit every message of the topic, then asserts the table holds exactly
 * the `expected` ids (none missing, none extra) and reads the dead-letter topic, checking each letter's headers.
 */
export const landedExactly = (
  env: Record<string, string>,
  table: CassandraTable,
  expected: ReadonlySet<string>,
  within: Duration.Input
) =>
  Effect.gen(function*() {
    yield* eventually("every message committed", drained(env.KAFKA_GROUP_ID!, env.KAFKA_TOPIC!), within)
    const ids = yield* table.ids
    assertExactRows(ids, expected)
    const dead = yield* deadLetters(env)
    return { ids, dead } satisfies Landed
  })

/** `landedExactly` for a flow of valid users only: also asserts nothing was dead-lettered. */
export const validUsersLanded = (...args: Parameters<typeof landedExactly>) =>
  Effect.tap(landedExactly(...args), ({ dead }) => Effect.sync(() => assert.strictEqual(dead.length, 0)))

/** How many upserts reached the users table (rows written more than once count more than once), and by whose count. */
export interface Upserts {
  readonly count: Effect.Effect<number>
  readonly counted: string
}

/** Upserts as Cassandra counts them (`writesApplied`): valid while Cassandra has not restarted. */
export const cassandraUpserts = (table: CassandraTable): Upserts => ({ count: writesApplied(table), counted: "Cassandra upserts" })

/** Upserts as a worker counts them (its `users_written`). */
export const workerUpserts = (worker: Worker): Upserts => ({
  count: Effect.map(worker.counters, ({ written }) => written),
  counted: "users_written"
})

/**
 * Ends a scenario whose checks passed: counts the upserts while the workers still run, stops the workers gracefully
 * (each must exit 0 after SIGTERM), prints the scenario's line and drops its keyspace.
 * The line: `produced`, `rows`, `dead-lettered`, `duplicates` (upserts - rows), then `counts`, then `recovery`.
 */
export const finish = (scenario: {
  readonly name: string
  readonly env: Record<string, string>
  readonly table: CassandraTable
  readonly workers: ReadonlyArray<Worker>
  readonly produced: number
  readonly landed: Landed
  /** Default: `cassandraUpserts(table)`. */
  readonly upserts?: Upserts
  readonly counts?: Record<string, string | number>
  readonly recovery: string
  /** The summary line's prefix: `[faults]` (default) or `[cluster]`. */
  readonly suite?: "faults" | "cluster"
}) =>
  Effect.gen(function*() {
    const { env, landed, table } = scenario
    const upserts = scenario.upserts ?? cassandraUpserts(table)
    const upserted = yield* upserts.count
    yield* Effect.forEach(scenario.workers, stopWorker, { concurrency: "unbounded", discard: true })
    yield* report(env, scenario.name, scenario.suite ?? "faults", {
      produced: scenario.produced,
      rows: landed.ids.size,
      "dead-lettered": landed.dead.length,
      duplicates: `${upserted - landed.ids.size} (${upserts.counted} - rows)`,
      ...scenario.counts,
      recovery: scenario.recovery
    })
    yield* table.dropKeyspace
  })

/** The id in a user message's value. */
export const idOf = (message: ReadMessage): string => JSON.parse(message.value!.toString("utf8")).id

/** Prints the one-line summary of a scenario. */
export const report = (env: Record<string, string>, scenario: string, suite: "faults" | "cluster", counts: Record<string, string | number>) =>
  Effect.sync(() =>
    console.log(`[${suite}] ${scenario}: ${Object.entries({ ...counts, logs: logDir(env) }).map(([k, v]) => `${k}=${v}`).join(" ")}`)
  )

/** Milliseconds as seconds with one decimal. */
export const seconds = (millis: number) => `${Duration.toSeconds(Duration.millis(millis)).toFixed(1)}s`

/** A random whole number of milliseconds in [min, max). */
export const randomMillis = (min: number, max: number) => Math.floor(min + Math.random() * (max - min))

