import { Config, Context, Duration, Layer, Option, Schema } from "effect"
import { PositiveInt } from "../domain/PositiveInt.ts"
import { compressionTypes } from "./KafkaCodecs.ts"
import { tlsFiles } from "./TlsFiles.ts"
import type { Compression } from "./KafkaCodecs.ts"

const positiveInt = (name: string) => Config.schema(PositiveInt, name)

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

/** Values given on the command line (`stream --from`, `--replay-from`): each replaces its variable, which is then not read. */
export interface KafkaConfigOverrides {
  readonly startFrom?: "earliest" | "latest" | undefined
  readonly replayFrom?: Date | undefined
}

const read = (overrides: KafkaConfigOverrides) => Config.all({
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
  startFrom: overrides.startFrom !== undefined
    ? Config.succeed(overrides.startFrom)
    : Config.Literals(["earliest", "latest"], "KAFKA_START_FROM").pipe(Config.withDefault("earliest" as const)),
  replayFrom: overrides.replayFrom !== undefined
    ? Config.succeed(Option.some(overrides.replayFrom))
    : Config.option(Config.Date("KAFKA_REPLAY_FROM")),
  compression: Config.Literals(Object.keys(compressionTypes) as Array<Compression>, "KAFKA_COMPRESSION").pipe(
    Config.withDefault<Compression>("zstd")
  ),
  ssl,
  sasl,
  connectTimeout: Config.Duration("KAFKA_CONNECT_TIMEOUT").pipe(Config.withDefault(Duration.seconds(30))),
  consumerBuffer: positiveInt("KAFKA_CONSUMER_BUFFER").pipe(Config.withDefault(1000)),
  /** Most bytes one fetch takes from a partition (128 KiB; kafkajs' own default is 1 MiB); a fetch's batches are held in memory, decoded, while the stream works through them. */
  fetchMaxBytes: positiveInt("KAFKA_FETCH_MAX_BYTES").pipe(Config.withDefault(131_072)),
  commitInterval: Config.Duration("KAFKA_COMMIT_INTERVAL").pipe(Config.withDefault(Duration.seconds(1))),
  /** How long the group waits for a silent member (killed, or crashed while the broker was down) before reassigning its partitions. */
  sessionTimeout: Config.Duration("KAFKA_SESSION_TIMEOUT").pipe(Config.withDefault(Duration.seconds(10)))
})

/** The Kafka side of the configuration, as read from the `KAFKA_*` variables. */
export type KafkaConfigShape = Config.Success<ReturnType<typeof read>>

/**
 * The Kafka configuration every Kafka layer uses, read once per command: `KafkaConfig.layer` reads the variables (a bad
 * value fails there, naming its variable); flags override by providing the configuration with their values in place.
 */
export class KafkaConfig extends Context.Service<KafkaConfig, KafkaConfigShape>()("users-pipeline/layers/KafkaConfig") {
  /** The `KAFKA_*` variables, read and validated. */
  static readonly config = read({})
  static readonly layer = Layer.effect(this, this.config)
  /** The configuration with the flags' values in place of their variables'. */
  static readonly layerWith = (overrides: KafkaConfigOverrides) => Layer.effect(this, read(overrides))
}
