import { Config, Duration, Effect, Option, Redacted, Schedule, Schema } from "effect"
import { Kafka, logLevel } from "kafkajs"
import type { LogEntry, RetryOptions, SASLOptions } from "kafkajs"
import { KafkaRejected, KafkaUnavailable } from "../services/KafkaProducer.ts"
import { compressionTypes, registerCodecs } from "./KafkaCodecs.ts"
import { tlsConnectOptions, tlsFiles } from "./TlsFiles.ts"
import type { Compression } from "./KafkaCodecs.ts"
import type { KafkaProduceError } from "../services/KafkaProducer.ts"

const positiveInt = (name: string) =>
  Config.schema(Schema.Int.pipe(Schema.check(Schema.isGreaterThanOrEqualTo(1))), name)

const sasl = Config.option(Config.Literals(["plain", "scram-sha-256", "scram-sha-512"], "KAFKA_SASL_MECHANISM")).pipe(
  Config.flatMap(Option.match({
    onNone: () => Config.succeed(Option.none()),
    onSome: (mechanism) =>
      Config.all({ username: Config.String("KAFKA_SASL_USERNAME"), password: Config.Redacted("KAFKA_SASL_PASSWORD") })
        .pipe(Config.map((credentials) => Option.some({ mechanism, ...credentials })))
  }))
)

/** `KAFKA_SSL=true`: TLS to the brokers, with an optional private CA, client certificate (mTLS) and verification switch. */
const ssl = Config.Boolean("KAFKA_SSL").pipe(
  Config.withDefault(false),
  Config.flatMap((enabled) =>
    enabled
      ? Config.all({
        files: tlsFiles({ ca: "KAFKA_SSL_CA_FILE", cert: "KAFKA_SSL_CERT_FILE", key: "KAFKA_SSL_KEY_FILE" }),
        rejectUnauthorized: Config.Boolean("KAFKA_SSL_REJECT_UNAUTHORIZED").pipe(Config.withDefault(true))
      }).pipe(Config.map(Option.some))
      : Config.succeed(Option.none())
  )
)

/** The Kafka side of the configuration, read from `KAFKA_*` variables. */
export const KafkaConfig = Config.all({
  brokers: Config.Array(Schema.String, "KAFKA_BROKERS").pipe(
    Config.map((brokers) => brokers.map((broker) => broker.trim()).filter((broker) => broker.length > 0)),
    Config.withDefault(["127.0.0.1:9092"])
  ),
  clientId: Config.String("KAFKA_CLIENT_ID").pipe(Config.withDefault("users-pipeline")),
  topic: Config.String("KAFKA_TOPIC").pipe(Config.withDefault("users_created")),
  dlqTopic: Config.String("KAFKA_DLQ_TOPIC").pipe(Config.withDefault("users_created.dlq")),
  partitions: positiveInt("KAFKA_TOPIC_PARTITIONS").pipe(Config.withDefault(6)),
  replication: positiveInt("KAFKA_TOPIC_REPLICATION").pipe(Config.withDefault(1)),
  groupId: Config.String("KAFKA_GROUP_ID").pipe(Config.withDefault("users-stream")),
  startFrom: Config.Literals(["earliest", "latest"], "KAFKA_START_FROM").pipe(Config.withDefault("earliest" as const)),
  replayFrom: Config.option(Config.Date("KAFKA_REPLAY_FROM")),
  compression: Config.Literals(Object.keys(compressionTypes) as Array<Compression>, "KAFKA_COMPRESSION").pipe(
    Config.withDefault<Compression>("zstd")
  ),
  ssl,
  sasl,
  connectTimeout: Config.Duration("KAFKA_CONNECT_TIMEOUT").pipe(Config.withDefault(Duration.seconds(30))),
  consumerBuffer: positiveInt("KAFKA_CONSUMER_BUFFER").pipe(Config.withDefault(1000)),
  /** Most bytes one fetch takes from a partition (256 KiB; kafkajs' own default is 1 MiB); a fetch's batches are held in memory, decoded, while the stream works through them. */
  fetchMaxBytes: positiveInt("KAFKA_FETCH_MAX_BYTES").pipe(Config.withDefault(262_144)),
  commitInterval: Config.Duration("KAFKA_COMMIT_INTERVAL").pipe(Config.withDefault(Duration.seconds(1))),
  /** How long the group waits for a silent member (killed, or crashed while the broker was down) before reassigning its partitions. */
  sessionTimeout: Config.Duration("KAFKA_SESSION_TIMEOUT").pipe(Config.withDefault(Duration.seconds(10)))
})

export type KafkaConfig = Config.Success<typeof KafkaConfig>

/** Backoff for every kafkajs call: 300 ms doubling to 10 s, 12 retries (about 90 s): rides out a broker restart, reconnects within 10 s of its return. */
export const kafkaRetry: RetryOptions = { initialRetryTime: 300, maxRetryTime: 10_000, retries: 12 }

const severity = ({ level, namespace, log: { message } }: LogEntry) =>
  level > logLevel.WARN || namespace === "Connection" || message.startsWith("Limiting retries for the idempotent producer")
    ? level === logLevel.DEBUG ? "Trace" : "Debug"
    : "Warn"

const toSasl = (config: KafkaConfig): SASLOptions | undefined =>
  Option.match(config.sasl, {
    onNone: () => undefined,
    onSome: ({ mechanism, username, password }) => ({ mechanism, username, password: Redacted.value(password) })
  })

/** The last connection error kafkajs logged for a client: the reason behind a connect that times out while kafkajs retries. */
const lastConnectionErrors = new WeakMap<Kafka, string>()

/** Builds the kafkajs client; its logs go to Effect logging (kafkajs INFO as Debug, its retried errors as Warn). */
export const makeKafka = Effect.fnUntraced(function*(config: KafkaConfig) {
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

const permanentTypes = new Set([
  "UNKNOWN_TOPIC_OR_PARTITION",
  "TOPIC_AUTHORIZATION_FAILED",
  "GROUP_AUTHORIZATION_FAILED",
  "CLUSTER_AUTHORIZATION_FAILED",
  "SASL_AUTHENTICATION_FAILED",
  "MESSAGE_TOO_LARGE",
  "RECORD_LIST_TOO_LARGE",
  "INVALID_RECORD",
  "INVALID_REPLICATION_FACTOR",
  "INVALID_PARTITIONS",
  "POLICY_VIOLATION"
])

const transientNames = new Set([
  "KafkaJSNumberOfRetriesExceeded",
  "KafkaJSConnectionError",
  "KafkaJSConnectionClosedError",
  "KafkaJSRequestTimeoutError",
  "KafkaJSBrokerNotFound",
  "KafkaJSNoBrokerAvailableError",
  "KafkaJSTimeout",
  "KafkaJSLockTimeout",
  "KafkaJSGroupCoordinatorNotFound",
  "KafkaJSMetadataNotLoaded",
  "KafkaJSTopicMetadataNotLoaded"
])

interface KafkaJSLike {
  readonly name?: unknown
  readonly type?: unknown
  readonly retriable?: unknown
  readonly cause?: unknown
  readonly errors?: unknown
}

const errorChain = (error: unknown): Array<KafkaJSLike> => {
  if (typeof error !== "object" || error === null) return []
  const e = error as KafkaJSLike
  const nested = Array.isArray(e.errors) ? e.errors.flatMap(errorChain) : []
  return [e, ...errorChain(e.cause), ...nested]
}

const isObject = (value: unknown): value is KafkaJSLike => typeof value === "object" && value !== null

const isTransient = (error: KafkaJSLike): boolean =>
  error.name === "KafkaJSAggregateError"
    ? Array.isArray(error.errors) && error.errors.length > 0 && error.errors.every((inner) => isObject(inner) && isTransient(inner))
    : error.name === "KafkaJSNonRetriableError" && isObject(error.cause) && error.cause !== error
    ? isTransient(error.cause)
    : (typeof error.name === "string" && transientNames.has(error.name)) || error.retriable === true

/** Whether a failed kafkajs call may succeed if tried again ("unavailable") or never will ("rejected"). */
export const kafkaErrorKind = (error: unknown): "unavailable" | "rejected" => {
  const chain = errorChain(error)
  if (chain.some((e) => typeof e.type === "string" && permanentTypes.has(e.type))) return "rejected"
  return chain[0] !== undefined && isTransient(chain[0]) ? "unavailable" : "rejected"
}

const producerStateTypes = new Set(["OUT_OF_ORDER_SEQUENCE_NUMBER", "UNKNOWN_PRODUCER_ID", "INVALID_PRODUCER_EPOCH"])

/** Whether the broker refused an idempotent producer's id or sequence numbers: only a new producer can send again. */
export const losesProducerState = (error: unknown): boolean =>
  errorChain(error).some((e) => typeof e.type === "string" && producerStateTypes.has(e.type))

/** One line describing a kafkajs failure. */
export const describeKafkaError = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error)

/** Maps a kafkajs failure to the service errors: `KafkaUnavailable` when retrying can help, `KafkaRejected` otherwise. */
export const toKafkaError = (error: unknown, context: string): KafkaProduceError => {
  const message = `${context}: ${describeKafkaError(error)}`
  return kafkaErrorKind(error) === "unavailable" ? new KafkaUnavailable({ message }) : new KafkaRejected({ message })
}

/** Fails with `KafkaUnavailable` naming the brokers when `connect` does not finish within `KAFKA_CONNECT_TIMEOUT`. */
/** Why connecting may have failed, from kafkajs' last connection error, with the setting to look at. */
const connectHint = (config: KafkaConfig, kafka: Kafka | undefined): string => {
  const last = kafka === undefined ? undefined : lastConnectionErrors.get(kafka)
  if (last === undefined) return ""
  const hint = Option.isNone(config.ssl) && /closed connection/i.test(last)
    ? "; a TLS listener closes plaintext connections: is KAFKA_SSL needed?"
    : Option.isSome(config.ssl) && /certificate|self.signed|verify|SSL|TLS/i.test(last)
    ? "; check KAFKA_SSL_CA_FILE (the CA that signed the brokers' certificates)"
    : ""
  return ` (last error: ${last}${hint})`
}

export const connectWithin = (config: KafkaConfig, what: string, connect: () => Promise<void>, kafka?: Kafka) =>
  Effect.tryPromise({ try: connect, catch: (error) => toKafkaError(error, `${what} could not connect to ${config.brokers.join(",")}`) }).pipe(
    Effect.timeoutOrElse({
      duration: config.connectTimeout,
      orElse: () =>
        Effect.fail(new KafkaUnavailable({
          message: `${what} could not reach Kafka brokers ${config.brokers.join(",")} (KAFKA_BROKERS) within ${
            Duration.format(config.connectTimeout)
          } (KAFKA_CONNECT_TIMEOUT)${connectHint(config, kafka)}`
        }))
    })
  )

/** Disconnects a kafkajs client, logging rather than failing when that goes wrong. */
export const disconnect = (what: string, client: { readonly disconnect: () => Promise<void> }) =>
  Effect.tryPromise(() => client.disconnect()).pipe(Effect.ignore({ log: "Warn", message: `${what} did not disconnect cleanly` }))

/** Creates the topics if missing (partitions/replication from config); one that exists with other settings is used as it is, with a warning. */
export const ensureTopics = Effect.fn("Kafka.ensureTopics")(function*(
  kafka: Kafka,
  config: KafkaConfig,
  topics: ReadonlyArray<string>,
  options: { readonly warn: boolean } = { warn: true }
) {
  const admin = yield* Effect.acquireRelease(
    Effect.sync(() => kafka.admin({ retry: kafkaRetry })),
    (admin) => disconnect("Kafka admin", admin)
  )
  yield* connectWithin(config, "Kafka admin", () => admin.connect(), kafka)
  const call = <A>(what: string, f: () => Promise<A>) =>
    Effect.tryPromise({ try: f, catch: (error) => toKafkaError(error, what) })
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

}, Effect.scoped)
