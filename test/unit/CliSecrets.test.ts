import { assert, describe, it } from "@effect/vitest"
import { execFileSync, spawnSync } from "node:child_process"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { secretMaterial } from "../support/secure.ts"
import { sourceMain as main } from "../../dev/cliEntry.ts"

const run = (args: ReadonlyArray<string>, env: Record<string, string>) => {
  const result = spawnSync(process.execPath, [main, ...args], { encoding: "utf8", env: { ...process.env, ...env }, timeout: 30_000 })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

const dir = mkdtempSync(join(tmpdir(), "cli-secrets-"))
execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=cli-secrets",
  "-keyout", join(dir, "client.key"), "-out", join(dir, "client.pem")], { stdio: "ignore" })

/** Every secured setting `ingest`, `stream`, `status` and `dlq` read, as a user who sourced .stack/secure.env would have them. */
const securedEnv: Record<string, string> = {
  KAFKA_BROKERS: "127.0.0.1:1",
  KAFKA_CONNECT_TIMEOUT: "2 seconds",
  KAFKA_SSL: "true",
  KAFKA_SSL_CA_FILE: join(dir, "client.pem"),
  KAFKA_SSL_CERT_FILE: join(dir, "client.pem"),
  KAFKA_SSL_KEY_FILE: join(dir, "client.key"),
  KAFKA_SASL_MECHANISM: "scram-sha-512",
  KAFKA_SASL_USERNAME: "users-pipeline",
  KAFKA_SASL_PASSWORD: "kafka-pw-7d1c0e9b",
  CASSANDRA_CONTACT_POINTS: "127.0.0.1:1",
  CASSANDRA_TLS: "true",
  CASSANDRA_TLS_CA_FILE: join(dir, "client.pem"),
  CASSANDRA_TLS_CERT_FILE: join(dir, "client.pem"),
  CASSANDRA_TLS_KEY_FILE: join(dir, "client.key"),
  CASSANDRA_USERNAME: "users_pipeline",
  CASSANDRA_PASSWORD: "cassandra-pw-4a52f8e3"
}
const secrets = secretMaterial(securedEnv)

describe("secured settings at the CLI (node src/main.ts)", { timeout: 120_000 }, () => {
  it("reads the key and certificate bodies and both passwords as secrets", () => {
    assert.includeMembers([...secrets], ["kafka-pw-7d1c0e9b", "cassandra-pw-4a52f8e3"])
    assert.isAtLeast(secrets.length, 20)
  })

  it.each(["", "ingest", "stream", "status", "dlq", "dlq list", "dlq redrive", "schema", "trace"])(
    "%j --help with every secret variable set shows no password, key or certificate",
    (command) => {
      const { status, stdout, stderr } = run([...command.split(" ").filter((w) => w !== ""), "--help"], securedEnv)
      assert.strictEqual(status, 0, stderr)
      assert.match(stdout, /^USAGE$/m)
      for (const secret of secrets) assert.notInclude(stdout + stderr, secret)
    }
  )

  it.each(["ingest", "stream", "status", "dlq list", "dlq redrive"])(
    "%j with an unknown KAFKA_SASL_MECHANISM fails with one line naming the variable and the mechanisms it takes",
    (command) => {
      const { status, stdout, stderr } = run(command.split(" "), { ...securedEnv, KAFKA_SASL_MECHANISM: "gssapi" })
      assert.notStrictEqual(status, 0)
      const lines = (stdout + stderr).split("\n").filter((l) => l.trim() !== "")
      assert.strictEqual(lines.length, 1, lines.join("\n"))
      assert.match(lines[0]!, /^error: .*KAFKA_SASL_MECHANISM/)
      assert.match(lines[0]!, /plain.*scram-sha-256.*scram-sha-512/)
      for (const secret of secrets) assert.notInclude(lines[0]!, secret)
    }
  )
})
