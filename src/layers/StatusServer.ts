import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as OtelMetrics from "@effect/opentelemetry/OtelMetrics"
import * as Resource from "@effect/opentelemetry/Resource"
import { PrometheusExporter, PrometheusSerializer } from "@opentelemetry/exporter-prometheus"
import { Config, Effect, Layer, Option } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { createServer } from "node:http"
import { CassandraRepo } from "../services/CassandraRepo.ts"
import { KafkaConsumerStatus } from "../services/KafkaConsumer.ts"

/** `STREAM_HTTP_PORT` (unset: no server) and `STREAM_HTTP_HOST` (default 127.0.0.1). */
export const StatusServerConfig = Config.all({
  port: Config.option(Config.Port("STREAM_HTTP_PORT")),
  host: Config.String("STREAM_HTTP_HOST").pipe(Config.withDefault("127.0.0.1"))
})

const routes = (exporter: PrometheusExporter) =>
  HttpRouter.use(Effect.fn(function*(router) {
    const consumer = yield* KafkaConsumerStatus
    const repo = yield* CassandraRepo
    const serializer = new PrometheusSerializer()
    yield* router.add("GET", "/healthz", Effect.succeed(HttpServerResponse.text("ok\n")))
    yield* router.add("GET", "/readyz", Effect.gen(function*() {
      const joined = yield* consumer.joined
      const cassandra = yield* repo.ping.pipe(Effect.timeout("2 seconds"), Effect.as(true), Effect.orElseSucceed(() => false))
      const checks = { kafka_group_joined: joined, cassandra_session: cassandra }
      return HttpServerResponse.jsonUnsafe(checks, { status: joined && cassandra ? 200 : 503 })
    }))
    yield* router.add("GET", "/metrics", Effect.gen(function*() {
      const { resourceMetrics } = yield* Effect.promise(() => exporter.collect())
      return HttpServerResponse.text(serializer.serialize(resourceMetrics), { contentType: "text/plain; version=0.0.4" })
    }))
  }))

/** The stream worker's HTTP port: `/healthz` (alive), `/readyz` (group joined and Cassandra answering), `/metrics` (Prometheus text). */
export const layer = Layer.unwrap(Effect.gen(function*() {
  const { host, port } = yield* StatusServerConfig
  if (Option.isNone(port)) return Layer.empty
  const exporter = new PrometheusExporter({ preventServerStart: true })
  return HttpRouter.serve(routes(exporter), { disableLogger: true, disableListenLog: true }).pipe(
    Layer.provide(NodeHttpServer.layer(createServer, { port: port.value, host })),
    Layer.merge(OtelMetrics.layer(() => exporter)),
    Layer.provide(Resource.layer({ serviceName: "users-stream" }))
  )
}))
