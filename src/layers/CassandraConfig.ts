import { Config, Context, Duration, Layer, Option, Redacted, Schema } from "effect"
import cassandra from "cassandra-driver"
import { PositiveInt } from "../domain/PositiveInt.ts"
import { tlsConnectOptions, tlsFiles } from "./TlsFiles.ts"
import type { TlsFiles } from "./TlsFiles.ts"

const CqlIdentifier = Schema.String.check(
  Schema.isPattern(/^[a-zA-Z][a-zA-Z0-9_]{0,47}$/, {
    expected: "a CQL identifier: a letter, then up to 47 letters, digits or underscores"
  })
)

const ContactPoint = Schema.Trim.check(
  Schema.isPattern(/^(\[[0-9a-fA-F:.]+\]|[a-zA-Z0-9_.-]+)(:\d{1,5})?$/, { expected: "host or host:port" })
)

const DataCenter = Schema.String.check(
  Schema.isPattern(/^[a-zA-Z0-9_.-]+$/, { expected: "a data center name (letters, digits, _ . -)" })
)

const { consistencies, distance } = cassandra.types

/** Write consistency levels accepted by `CASSANDRA_CONSISTENCY`, with the driver's code for each. */
export const Consistency = {
  LOCAL_QUORUM: consistencies.localQuorum,
  LOCAL_ONE: consistencies.localOne,
  QUORUM: consistencies.quorum,
  EACH_QUORUM: consistencies.eachQuorum,
  ONE: consistencies.one,
  ALL: consistencies.all
} as const
export type Consistency = keyof typeof Consistency

/** Everything the live Cassandra layers read from the environment. */
export interface CassandraConfigShape {
  readonly contactPoints: ReadonlyArray<string>
  readonly localDataCenter: string
  readonly keyspace: string
  readonly table: string
  readonly replicationStrategy: "SimpleStrategy" | "NetworkTopologyStrategy"
  readonly replicationFactor: number
  readonly credentials: Option.Option<{ readonly username: string; readonly password: Redacted.Redacted<string> }>
  /** `CASSANDRA_TLS=true`: client encryption, the server's certificate always verified (against the CA file when given). */
  readonly tls: Option.Option<TlsFiles & { readonly serverName: Option.Option<string> }>
  readonly requestTimeout: Duration.Duration
  readonly connectTimeout: Duration.Duration
  readonly poolConnections: Option.Option<number>
  readonly consistency: Consistency
}

const credentials = Config.option(Config.NonEmptyString("CASSANDRA_USERNAME")).pipe(
  Config.flatMap(Option.match({
    onNone: () => Config.succeed(Option.none()),
    onSome: (username) =>
      Config.Redacted("CASSANDRA_PASSWORD").pipe(Config.map((password) => Option.some({ username, password })))
  }))
)

const tls = Config.Boolean("CASSANDRA_TLS").pipe(
  Config.withDefault(false),
  Config.flatMap((enabled) =>
    enabled
      ? Config.all({ files: tlsFiles({ ca: "CASSANDRA_TLS_CA_FILE", cert: "CASSANDRA_TLS_CERT_FILE", key: "CASSANDRA_TLS_KEY_FILE" }), serverName: Config.option(Config.NonEmptyString("CASSANDRA_TLS_SERVER_NAME")) })
        .pipe(Config.map(({ files, serverName }) => Option.some({ ...files, serverName })))
      : Config.succeed(Option.none())
  )
)

/** Reads and validates the `CASSANDRA_*` variables; a bad value fails naming its variable. */
const config: Config.Config<CassandraConfigShape> = Config.all({
  contactPoints: Config.Array(ContactPoint, "CASSANDRA_CONTACT_POINTS").pipe(Config.withDefault(["127.0.0.1:9042"])),
  localDataCenter: Config.schema(DataCenter, "CASSANDRA_LOCAL_DC").pipe(Config.withDefault("datacenter1")),
  keyspace: Config.schema(CqlIdentifier, "CASSANDRA_KEYSPACE").pipe(Config.withDefault("users_stream")),
  table: Config.schema(CqlIdentifier, "CASSANDRA_TABLE").pipe(Config.withDefault("users")),
  replicationStrategy: Config.Literals(["SimpleStrategy", "NetworkTopologyStrategy"], "CASSANDRA_REPLICATION_STRATEGY")
    .pipe(Config.withDefault("SimpleStrategy" as const)),
  replicationFactor: Config.schema(PositiveInt, "CASSANDRA_REPLICATION_FACTOR").pipe(Config.withDefault(1)),
  credentials,
  tls,
  requestTimeout: Config.Duration("CASSANDRA_REQUEST_TIMEOUT").pipe(Config.withDefault(Duration.seconds(12))),
  connectTimeout: Config.Duration("CASSANDRA_CONNECT_TIMEOUT").pipe(Config.withDefault(Duration.seconds(10))),
  poolConnections: Config.option(Config.schema(PositiveInt, "CASSANDRA_POOL_CONNECTIONS")),
  consistency: Config.Literals(Object.keys(Consistency) as Array<Consistency>, "CASSANDRA_CONSISTENCY")
    .pipe(Config.withDefault("LOCAL_QUORUM" as const))
})

/**
 * The Cassandra configuration every Cassandra layer uses, read once per command: `CassandraConfig.layer` reads the
 * variables (a bad value fails there, naming its variable).
 */
export class CassandraConfig extends Context.Service<CassandraConfig, CassandraConfigShape>()("users-pipeline/layers/CassandraConfig") {
  /** The `CASSANDRA_*` variables, read and validated. */
  static readonly config = config
  static readonly layer = Layer.effect(this, config)
}

/** The `replication` map of `CREATE KEYSPACE`; NetworkTopologyStrategy places the replicas in the local DC. */
export const replicationCql = (config: CassandraConfigShape): string =>
  config.replicationStrategy === "SimpleStrategy"
    ? `{'class': 'SimpleStrategy', 'replication_factor': ${config.replicationFactor}}`
    : `{'class': 'NetworkTopologyStrategy', '${config.localDataCenter}': ${config.replicationFactor}}`

/** Local-distance connections per host when `CASSANDRA_POOL_CONNECTIONS` is unset. */
export const defaultPoolConnections = 2

/** Longest wait between the driver's attempts to reconnect to a node it saw go down (the driver's default is 10 minutes). */
export const maxReconnectDelay = Duration.seconds(10)

/** Driver options for the config: DC- and token-aware routing (driver default), pooling, timeouts, auth, TLS, reconnection. */
export const clientOptions = (config: CassandraConfigShape): cassandra.DseClientOptions => {
  const readTimeout = Duration.toMillis(config.requestTimeout)
  return {
    contactPoints: [...config.contactPoints],
    localDataCenter: config.localDataCenter,
    ...Option.match(config.credentials, {
      onNone: () => ({}),
      onSome: ({ password, username }) => ({
        authProvider: new cassandra.auth.PlainTextAuthProvider(username, Redacted.value(password))
      })
    }),
    ...Option.match(config.tls, {
      onNone: () => ({}),
      onSome: (tls) => ({
        sslOptions: {
          ...tlsConnectOptions(tls),
          rejectUnauthorized: true,
          ...Option.match(tls.serverName, { onNone: () => ({}), onSome: (servername) => ({ servername }) })
        }
      })
    }),
    socketOptions: {
      connectTimeout: Duration.toMillis(config.connectTimeout),
      readTimeout,
      coalescingThreshold: 65_536,
      tcpNoDelay: true,
      keepAlive: true
    },
    pooling: {
      coreConnectionsPerHost: {
        [distance.local]: Option.getOrElse(config.poolConnections, () => defaultPoolConnections),
        [distance.remote]: 1,
        [distance.ignored]: 0
      },
      maxRequestsPerConnection: 2048,
      warmup: true
    },
    policies: {
      reconnection: new cassandra.policies.reconnection.ExponentialReconnectionPolicy(1_000, Duration.toMillis(maxReconnectDelay))
    },
    queryOptions: { consistency: Consistency[config.consistency], readTimeout, captureStackTrace: false, isIdempotent: true },
    protocolOptions: { maxSchemaAgreementWaitSeconds: 30 },
    prepareOnAllHosts: true,
    rePrepareOnUp: true,
    monitorReporting: { enabled: false }
  }
}
