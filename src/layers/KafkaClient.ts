// The kafkajs client as the layers build it (logs into Effect logging, codecs, TLS/SASL), connecting within a
// deadline, disconnecting, and the topics' administration.
import { Duration, Effect, Option, Redacted, Schedule } from "effect"
import { Kafka, logLevel } from "kafkajs"
import type { LogEntry, RetryOptions, SASLOptions } from "kafkajs"
import { registerCodecs } from "./KafkaCodecs.ts"
import type { KafkaConfigShape } from "./KafkaConfig.ts"
import { classifyWith } from "./KafkaErrors.ts"
import type { KafkaFailure } from "./KafkaErrors.ts"
import { tlsConnectOptions } from "./TlsFiles.ts"

/** Backoff for every kafkajs call: 300 ms doubling to 10 s, 12 retries (about 90 s): rides out a broker restart, reconnects within 10 s of its return. */
export const kafkaRetry: RetryOptions = { initialRetryTime: 300, maxRetryTime: 10_000, retries: 12 }

const severity = ({ level, namespace, log: { message } }: LogEntry) =>
  level > logLevel.WARN || namespace === "Connection" || message.startsWith("Limiting retries for the idempotent producer")
    ? level === logLevel.DEBUG ? "Trace" : "Debug"
    : "Warn"

const toSasl = (config: KafkaConfigShape): SASLOptions | undefined =>
  Option.match(config.sasl, {
    onNone: () => undefined,
    onSome: ({ mechanism, username, password }) => ({ mechanism, username, password: Redacted.value(password) })
  })

/** The last connection error kafkajs logged for a client: the reason behind a connect that times out while kafkajs retries. */
const lastConnectionErrors = new WeakMap<Kafka, string>()

/** Builds the kafkajs client; its logs go to Effect logging (kafkajs INFO as Debug, its retried errors as Warn). */
export const makeKafka = Effect.fnUntraced(function*(config: KafkaConfigShape) {
  const log = Effect.runSyncWith(yield* Effect.context<never>())
  let kafka: Kafka | undefined
  const logEntry = (entry: LogEntry) => {
    const { message, timestamp: _t, stack: _s, logger: _l, ...extra } = entry.log
    if (entry.level === logLevel.ERROR && (entry.namespace === "Connection" || entry.namespace === "BrokerPool") && kafka) {
      lastConnectionErrors.set(kafka, message)
    }
    log(Effect.logWithLevel(severity(entry))(message, extra).pipe(Effect.annotateLogs({ kafkajs: entry.namespace })))
  }
  const sasl = toSasl(config)
  registerCodecs()
  kafka = new Kafka({
    clientId: config.clientId,
    brokers: [...config.brokers],
    ssl: Option.match(config.ssl, {
      onNone: () => false,
      onSome: ({ files, rejectUnauthorized }) => ({ ...tlsConnectOptions(files), rejectUnauthorized })
    }),
    ...(sasl ? { sasl } : {}),
    connectionTimeout: 3_000,
    retry: kafkaRetry,
    logLevel: logLevel.INFO,
    logCreator: () => logEntry
  })
  return kafka
})

/** Why connecting may have failed, from kafkajs' last connection error, with the setting to look at. */
const connectHint = (config: KafkaConfigShape, kafka: Kafka | undefined): string => {
  const last = kafka === undefined ? undefined : lastConnectionErrors.get(kafka)
  if (last === undefined) return ""
  const hint = Option.isNone(config.ssl) && /closed connection/i.test(last)
    ? "; a TLS listener closes plaintext connections: is KAFKA_SSL needed?"
    : Option.isSome(config.ssl) && /certificate|self.signed|verify|SSL|TLS/i.test(last)
    ? "; check KAFKA_SSL_CA_FILE (the CA that signed the brokers' certificates)"
    : ""
  return ` (last error: ${last}${hint})`
}

/** Fails (as `fail` states it, retryable) naming the brokers when `connect` does not finish within `KAFKA_CONNECT_TIMEOUT`. */
export const connectWithin = <E>(
  config: KafkaConfigShape,
  what: string,
  connect: () => Promise<void>,
  fail: KafkaFailure<E>,
  kafka?: Kafka
): Effect.Effect<void, E> =>
  Effect.tryPromise({
    try: connect,
    catch: (error) => classifyWith(fail)(error, `${what} could not connect to ${config.brokers.join(",")}`)
  }).pipe(
    Effect.timeoutOrElse({
      duration: config.connectTimeout,
      orElse: () =>
        Effect.fail(fail(
          `${what} could not reach Kafka brokers ${config.brokers.join(",")} (KAFKA_BROKERS) within ${
            Duration.format(config.connectTimeout)
          } (KAFKA_CONNECT_TIMEOUT)${connectHint(config, kafka)}`,
          undefined,
          true
        ))
    })
  )

/** Disconnects a kafkajs client, logging rather than failing when that goes wrong. */
export const disconnect = (what: string, client: { readonly disconnect: () => Promise<void> }) =>
  Effect.tryPromise(() => client.disconnect()).pipe(Effect.ignore({ log: "Warn", message: `${what} did not disconnect cleanly` }))

/** Creates the topics if missing (partitions/replication from config); one that exists with other settings is used as it is, with a warning. */
export const ensureTopics = <E>(
  kafka: Kafka,
  config: KafkaConfigShape,
  topics: ReadonlyArray<string>,
  fail: KafkaFailure<E>,
  options: { readonly warn: boolean } = { warn: true }
): Effect.Effect<void, E> => Effect.gen(function*() {
  const admin = yield* Effect.acquireRelease(
    Effect.sync(() => kafka.admin({ retry: kafkaRetry })),
    (admin) => disconnect("Kafka admin", admin)
  )
  yield* connectWithin(config, "Kafka admin", () => admin.connect(), fail, kafka)
  const call = <A>(what: string, f: () => Promise<A>) =>
    Effect.tryPromise({ try: f, catch: (error) => classifyWith(fail)(error, what) })
  const existing = new Set(yield* call("listing Kafka topics", () => admin.listTopics()))
  const missing = topics.filter((topic) => !existing.has(topic))
  if (missing.length > 0) {
    const created = yield* call(`creating Kafka topics ${missing.join(",")}`, () =>
      admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => ({ topic, numPartitions: config.partitions, replicationFactor: config.replication }))
      }))
    if (created) {
      yield* Effect.logInfo(`created Kafka topics ${missing.join(",")}`, { partitions: config.partitions, replication: config.replication })
    }
  }
  const metadata = yield* call("reading Kafka topic metadata", () => admin.fetchTopicMetadata({ topics: [...topics] })).pipe(
    Effect.retry({ schedule: Schedule.exponential("200 millis"), times: 5 })
  )
  // A topic that exists is used as it is (a consumer reads whatever partitions it has, a producer writes to them): the
  // user's own cluster, or the seed's 1-partition `users_created`. Other settings are worth one warning each.
  for (const { name, partitions } of metadata.topics) {
    const replication = partitions[0]?.replicas.length ?? 0
    if (options.warn && (partitions.length !== config.partitions || replication !== config.replication)) {
      const durability = replication < config.replication
        ? `; with fewer replicas than configured, losing a broker can lose its messages`
        : ""
      yield* Effect.logWarning(
        `Kafka topic "${name}" exists with ${partitions.length} partition(s) and replication ${replication}, not ` +
          `KAFKA_TOPIC_PARTITIONS=${config.partitions} and KAFKA_TOPIC_REPLICATION=${config.replication}; using it as it is${durability}`
      )
    }
  }
}).pipe(Effect.scoped, Effect.withSpan("Kafka.ensureTopics"))
