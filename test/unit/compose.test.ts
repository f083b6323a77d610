import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Duration, Effect, Layer, Schema } from "effect"
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { parse } from "yaml"
import { UsersBudgetFromString } from "../../src/domain/UsersBudget.ts"
import { CassandraConfig } from "../../src/layers/CassandraConfig.ts"
import { KafkaConfig } from "../../src/layers/KafkaConfig.ts"

const root = join(import.meta.dirname, "../..")
const read = (path: string) => readFileSync(join(root, path), "utf8")

interface Service {
  readonly ports?: ReadonlyArray<string>
  readonly environment?: Record<string, string>
  readonly healthcheck?: unknown
  readonly depends_on?: Record<string, { readonly condition: string }>
}
const compose = parse(read("docker-compose.yml"), { merge: true }) as { services: Record<string, Service> }
const hostPorts = (service: string) => compose.services[service]!.ports!.map((p) => Number(p.split(":")[0]))

const sourceFiles = (dir: string): Array<string> =>
  readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : [read(join(dir, entry.name))])
const source = sourceFiles("src").join("\n")

const portOf = (address: string) => Number(address.split(":").at(-1))

describe("docker-compose.yml", () => {
  it("publishes the local stack's ports", () => {
    const kafkaListener = /^listeners=.*PLAINTEXT:\/\/[^:]+:(\d+)/m.exec(read("stack/conf/kafka.properties"))![1]
    const cqlPort = /^native_transport_port:\s*(\d+)/m.exec(read("stack/conf/cassandra.yaml"))![1]
    const jaegerPorts = [...read("stack/conf/jaeger.yaml").matchAll(/endpoint: "[^"]*:(4317|4318|16686)"/g)].map((m) => Number(m[1]))
    assert.deepStrictEqual(hostPorts("kafka"), [Number(kafkaListener)])
    assert.deepStrictEqual(hostPorts("cassandra"), [Number(cqlPort)])
    assert.deepStrictEqual(hostPorts("jaeger").sort(), jaegerPorts.sort())
  })

  it.effect("publishes the ports the app's defaults point at", () =>
    Effect.gen(function*() {
      const kafka = yield* KafkaConfig
      const cassandra = yield* CassandraConfig
      assert.deepStrictEqual(kafka.brokers.map(portOf), hostPorts("kafka"))
      assert.deepStrictEqual(cassandra.contactPoints.map(portOf), hostPorts("cassandra"))
    }).pipe(
      Effect.provide(Layer.mergeAll(KafkaConfig.layer, CassandraConfig.layer)),
      Effect.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({})))
    ))

  it("gives the app only environment variables the app reads", () => {
    for (const name of ["ingest", "stream"]) {
      const environment = compose.services[name]!.environment!
      assert.isAbove(Object.keys(environment).length, 0)
      for (const variable of Object.keys(environment)) {
        assert.include(source, `"${variable}"`, `${name}: ${variable} is not read anywhere in src/`)
      }
    }
  })

  it("docker-compose.secure.yml gives ingest and stream only variables the app reads, the same ones stack:up --secure writes", () => {
    const secure = parse(read("docker-compose.secure.yml"), { merge: true }) as { services: Record<string, Service> }
    const envBlock = /"\$SECURE_ENV\.tmp" <<ENV\n([\s\S]*?)\nENV\n/.exec(read("stack/stack.sh"))![1]!
    const stackEnv = [...envBlock.matchAll(/^([A-Z_]+)=/gm)].map((m) => m[1]!)
    assert.isAtLeast(stackEnv.length, 10)
    for (const name of ["ingest", "stream"]) {
      const variables = Object.keys(secure.services[name]!.environment!)
      assert.sameMembers(variables, stackEnv)
      for (const variable of variables) assert.include(source, `"${variable}"`, `${name}: ${variable} is not read anywhere in src/`)
    }
  })

  it("keeps the scheduled ingest under randomuser.me's documented budget (20,000 users per 5 minutes)", () => {
    const ingest = compose.services["ingest"] as Service & { readonly command: ReadonlyArray<string> }
    const flag = (name: string) => ingest.command[ingest.command.indexOf(name) + 1]!
    const budget = Schema.decodeUnknownSync(UsersBudgetFromString)(ingest.environment!["USERS_API_BUDGET"])
    const upstream = { users: 20_000, window: Duration.minutes(5) }
    assert.isAtMost(budget.users / Duration.toMillis(budget.window), upstream.users / Duration.toMillis(upstream.window))
    assert.isAtMost(budget.users, upstream.users)
    const perWindow = Number(flag("--count")) * (Duration.toMillis(upstream.window) / Duration.toMillis(Duration.fromInputUnsafe(flag("--every") as Duration.Input)))
    assert.isAtMost(perWindow, upstream.users, `${perWindow} users per 5 minutes`)
    assert.isTrue(Duration.equals(Duration.fromInputUnsafe(ingest.environment!["USERS_API_RATE_WINDOW"] as Duration.Input), upstream.window))
  })

  it("starts the app only once its servers are healthy", () => {
    for (const server of ["kafka", "cassandra", "jaeger"]) assert.isDefined(compose.services[server]!.healthcheck)
    for (const app of ["ingest", "stream"]) {
      const dependsOn = compose.services[app]!.depends_on!
      assert.include(Object.keys(dependsOn), "kafka")
      assert.isTrue(Object.values(dependsOn).every((d) => d.condition === "service_healthy"))
    }
  })
})
