// Readiness probe for the local stack: exits 0 once the server really answers.
//   node stack/probe.mjs <kafka|cassandra|jaeger|kafka-secure|cassandra-secure> [--timeout <s>] [--pid <pid>]
// The secured servers are reached with the material in $STACK_SECRETS (stack.sh sets it); the
// cassandra-secure probe also sets up its roles: the default superuser's password is replaced by a
// random one, and the pipeline's login role may create keyspaces (and so owns what it creates).
// Retries until --timeout; with --pid, gives up as soon as that process is gone.
import "../src/DropTimeoutNegativeWarning.ts"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { setTimeout as sleep } from "node:timers/promises"
import { parseArgs } from "node:util"
import cassandra from "cassandra-driver"
import kafkajs from "kafkajs"

const { Kafka, logLevel } = kafkajs
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { timeout: { type: "string", default: "60" }, pid: { type: "string" } }
})
const svc = positionals[0]
const deadline = Date.now() + Number(values.timeout) * 1000
const pid = values.pid ? Number(values.pid) : undefined

const withTimeout = (promise, ms, what) =>
  Promise.race([
    promise,
    sleep(ms, undefined, { ref: false }).then(() => {
      throw new Error(`${what}: no answer within ${ms} ms`)
    })
  ])

const PROBE_TOPIC = "stack-probe"
const PROBE_GROUP = "stack-probe"

const secret = (name) => readFileSync(join(process.env.STACK_SECRETS ?? ".stack/secure", name), "utf8").trim()
const clientTls = () => ({ ca: [secret("ca.pem")], cert: secret("client.pem"), key: secret("client.key") })

async function probeKafka(broker = "127.0.0.1:9092", secured = {}) {
  const kafka = new Kafka({
    ...secured,
    clientId: "stack-probe",
    brokers: [broker],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2000,
    requestTimeout: 5000,
    retry: { retries: 0 }
  })
  const admin = kafka.admin()
  try {
    await admin.connect()
    const topics = await admin.listTopics()
    if (!topics.includes(PROBE_TOPIC)) {
      await admin.createTopics({ topics: [{ topic: PROBE_TOPIC, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true })
    }
    await admin.fetchTopicMetadata({ topics: [PROBE_TOPIC] })
    // FindCoordinator: fails with "group coordinator not available" until __consumer_offsets exists.
    await admin.describeGroups([PROBE_GROUP])
  } finally {
    await admin.disconnect().catch(() => {})
  }
  // A real consumer-group join (JoinGroup/SyncGroup through the coordinator).
  const consumer = kafka.consumer({
    groupId: PROBE_GROUP,
    sessionTimeout: 10000,
    heartbeatInterval: 1000,
    maxWaitTimeInMs: 100, // disconnect() waits for the in-flight fetch
    retry: { retries: 0 }
  })
  try {
    const joined = new Promise((resolve, reject) => {
      consumer.on(consumer.events.GROUP_JOIN, resolve)
      consumer.on(consumer.events.CRASH, (e) => reject(e.payload.error))
    })
    await consumer.connect()
    await consumer.subscribe({ topics: [PROBE_TOPIC] })
    await consumer.run({ eachMessage: async () => {} })
    await withTimeout(joined, 15000, "consumer group join")
  } finally {
    await consumer.disconnect().catch(() => {})
  }
  return "metadata and consumer group OK"
}

async function probeCassandra(address = "127.0.0.1:9042") {
  const client = new cassandra.Client({
    contactPoints: [address],
    // this node only, whatever peers it reports
    policies: { loadBalancing: new cassandra.policies.loadBalancing.AllowListPolicy(
      new cassandra.policies.loadBalancing.RoundRobinPolicy(), [address]) },
    localDataCenter: "datacenter1",
    socketOptions: { connectTimeout: 2000, readTimeout: 5000 }
  })
  try {
    await client.connect()
    const rs = await client.execute("SELECT release_version FROM system.local")
    return `release_version ${rs.first().release_version}`
  } finally {
    await client.shutdown().catch(() => {})
  }
}

const probeKafkaSecure = () =>
  probeKafka("127.0.0.1:9093", {
    ssl: clientTls(),
    sasl: { mechanism: "scram-sha-512", username: "users-pipeline", password: secret("kafka-client.password") }
  })

async function cassandraQuery(username, password, statements) {
  const client = new cassandra.Client({
    contactPoints: ["127.0.0.1:9142"],
    localDataCenter: "datacenter1",
    sslOptions: { ...clientTls(), servername: "localhost" },
    authProvider: new cassandra.auth.PlainTextAuthProvider(username, password),
    socketOptions: { connectTimeout: 2000, readTimeout: 10000 }
  })
  try {
    await client.connect()
    let last
    for (const [query, params] of statements) last = await client.execute(query, params)
    return last
  } finally {
    await client.shutdown().catch(() => {})
  }
}

const isBadCredentials = (e) => e instanceof cassandra.errors.NoHostAvailableError &&
  Object.values(e.innerErrors ?? {}).some((inner) => inner instanceof cassandra.errors.AuthenticationError)

// CQL takes no bind marker for a password: a quoted literal
const literal = (text) => `'${text.replaceAll("'", "''")}'`

async function probeCassandraSecure() {
  const admin = secret("cassandra-admin.password")
  const pipeline = secret("cassandra-client.password")
  const setup = [
    [`CREATE ROLE IF NOT EXISTS users_pipeline WITH LOGIN = true AND SUPERUSER = false AND PASSWORD = ${literal(pipeline)}`, []],
    [`ALTER ROLE users_pipeline WITH PASSWORD = ${literal(pipeline)}`, []],
    ["GRANT CREATE ON ALL KEYSPACES TO users_pipeline", []]
  ]
  try {
    await cassandraQuery("cassandra", admin, setup)
  } catch (e) {
    if (!isBadCredentials(e)) throw e
    // first start: the default superuser still has its well-known password; replace it first
    await cassandraQuery("cassandra", "cassandra", [[`ALTER ROLE cassandra WITH PASSWORD = ${literal(admin)}`, []]])
    await sleep(2500) // the credentials cache (credentials_validity 2 s) forgets the old password
    await cassandraQuery("cassandra", admin, setup)
  }
  const rs = await cassandraQuery("users_pipeline", pipeline, [["SELECT release_version FROM system.local", []]])
  return `release_version ${rs.first().release_version}, TLS with client certificate, roles set up`
}

async function probeJaeger() {
  const res = await fetch("http://127.0.0.1:16686/api/services", { signal: AbortSignal.timeout(3000) })
  if (!res.ok) throw new Error(`GET /api/services: HTTP ${res.status}`)
  const body = await res.json()
  // an empty store answers {"data":null,...}
  if (body.data !== null && !Array.isArray(body.data)) throw new Error("GET /api/services: unexpected body")
  return `query API OK (${body.data?.length ?? 0} services)`
}

const probes = {
  kafka: () => probeKafka(),
  cassandra: probeCassandra,
  jaeger: probeJaeger,
  "kafka-secure": probeKafkaSecure,
  "cassandra-secure": probeCassandraSecure,
  "kafka-1": () => probeKafka("127.0.0.1:9192"),
  "kafka-2": () => probeKafka("127.0.0.1:9292"),
  "kafka-3": () => probeKafka("127.0.0.1:9392"),
  "cassandra-1": () => probeCassandra("127.0.0.2:9042"),
  "cassandra-2": () => probeCassandra("127.0.0.3:9042"),
  "cassandra-3": () => probeCassandra("127.0.0.4:9042")
}
const probe = probes[svc]
if (!probe) {
  console.error(`usage: probe.mjs <${Object.keys(probes).join("|")}> [--timeout s] [--pid pid]`)
  process.exit(64)
}

// the process exists and is not a zombie (exited, not yet reaped)
const alive = (p) => {
  try {
    process.kill(p, 0)
  } catch {
    return false
  }
  try {
    const stat = readFileSync(`/proc/${p}/stat`, "utf8")
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(")") + 2))
  } catch {
    return true
  }
}

let lastError = "not tried"
let attempts = 0
while (Date.now() < deadline) {
  attempts++
  try {
    const info = await withTimeout(probe(), 30000, svc)
    console.log(`[probe ${svc}] ${info} (attempt ${attempts})`)
    process.exit(0)
  } catch (e) {
    lastError = e instanceof Error ? e.message : String(e)
    if (process.env.STACK_PROBE_DEBUG) console.error(`[probe ${svc}] ${lastError}`)
  }
  if (pid !== undefined && !alive(pid)) {
    console.error(`[probe ${svc}] process ${pid} exited (last error: ${lastError})`)
    process.exit(2)
  }
  await sleep(500)
}
console.error(`[probe ${svc}] timed out after ${values.timeout}s, ${attempts} attempts (last error: ${lastError})`)
process.exit(1)
