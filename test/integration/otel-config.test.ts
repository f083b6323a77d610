import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { FakeHttpUsers } from "../../dev/fake-api/FakeHttpUsers.ts"
import { eventually, runCli } from "../../dev/cli.ts"
import { freshEnv } from "../../dev/kafka.ts"

const jaeger = "http://127.0.0.1:16686"

interface RawTraces {
  readonly data: ReadonlyArray<{ readonly processes: Record<string, { readonly serviceName: string; readonly tags: ReadonlyArray<{ readonly key: string; readonly value: unknown }> }> }> | null
}

/** The process tags (resource attributes) Jaeger holds for a service, once it has one of its traces. */
const resourceOf = (service: string) =>
  Effect.promise(() =>
    fetch(`${jaeger}/api/traces?service=${encodeURIComponent(service)}&limit=1`).then((r) => r.json() as Promise<RawTraces>)
  ).pipe(Effect.map(({ data }) => {
    const process = Object.values(data?.[0]?.processes ?? {}).find((p) => p.serviceName === service)
    return process === undefined ? undefined : Object.fromEntries(process.tags.map((t) => [t.key, t.value]))
  }))

layer(FakeHttpUsers.layer(), { timeout: "10 minutes", excludeTestServices: true })("OpenTelemetry configured by the SDK's own variables", (it) => {
  for (const [protocol, endpoint] of [["grpc", "http://127.0.0.1:4317"], ["http/protobuf", "http://127.0.0.1:4318"]] as const) {
    it.effect(`OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES and OTEL_EXPORTER_OTLP_PROTOCOL=${protocol} reach Jaeger`, () =>
      Effect.gen(function*() {
        const api = yield* FakeHttpUsers
        const service = `custom-ingest-${crypto.randomUUID().slice(0, 8)}`
        yield* runCli(["ingest", "--count", "20", "--seed", service], freshEnv({
          USERS_API_URL: api.url,
          OTEL_SDK_DISABLED: "false",
          OTEL_SERVICE_NAME: service,
          OTEL_RESOURCE_ATTRIBUTES: "deployment.environment.name=integration,team=pipeline",
          OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
          OTEL_EXPORTER_OTLP_ENDPOINT: endpoint
        }))
        yield* eventually("the service's trace in Jaeger", Effect.map(resourceOf(service), (r) => r !== undefined), "1 minute")
        const resource = (yield* resourceOf(service))!
        assert.strictEqual(resource["deployment.environment.name"], "integration")
        assert.strictEqual(resource["team"], "pipeline")
        assert.strictEqual(resource["service.namespace"], "users-pipeline")
      }))
  }

  it.effect("a collector that cannot be reached is one warning naming the endpoint; the run still succeeds", () =>
    Effect.gen(function*() {
      const api = yield* FakeHttpUsers
      const output = yield* runCli(["ingest", "--count", "2000", "--seed", "unreachable"], freshEnv({
        USERS_API_URL: api.url,
        OTEL_SDK_DISABLED: "false",
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:1"
      }))
      assert.include(output, "produced=2000")
      const warnings = output.split("\n").filter((line) => line.includes("span export"))
      assert.strictEqual(warnings.length, 1, output)
      assert.include(warnings[0]!, "span export to http://127.0.0.1:1 is failing")
    }))
})
