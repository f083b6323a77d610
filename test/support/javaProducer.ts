// Records sent by Kafka's own Java producer (test/support/java/Produce.java, run as a single-file source program
// with the jars the local stack's broker runs on), to test what a JVM client writes — e.g. Snappy and LZ4 batches.
import { spawnSync } from "node:child_process"
import { readdirSync } from "node:fs"
import { homedir } from "node:os"
import { join } from "node:path"

const stackCache = process.env["USERS_PIPELINE_STACK_CACHE"] ?? join(homedir(), ".cache", "users-pipeline-stack")

/** The local stack's Kafka jars (`stack.sh` installs them under its cache, one folder per version and pom). */
const kafkaLibs = (): string => {
  const root = join(stackCache, "kafka")
  const installed = readdirSync(root).filter((name) => readdirSync(join(root, name)).includes("lib"))
  if (installed.length === 0) throw new Error(`no Kafka installed under ${root}: run npm run stack:up`)
  return join(root, installed.sort().at(-1)!, "lib", "*")
}

const java = (): string => {
  const home = process.env["STACK_JAVA_HOME"] ?? process.env["JAVA_HOME"]
  return home === undefined ? "java" : join(home, "bin", "java")
}

/** Sends `records` to partition 0 of `topic` with the Java producer's `compression.type`; throws with its output if it fails. */
export const javaProduce = (
  topic: string,
  compressionType: string,
  records: ReadonlyArray<{ readonly key: string; readonly value: string }>,
  brokers = "127.0.0.1:9092"
): void => {
  const source = join(import.meta.dirname, "java", "Produce.java")
  const input = records.map((r) => `${r.key}\t${r.value}`).join("\n") + "\n"
  const result = spawnSync(java(), ["-cp", kafkaLibs(), source, brokers, topic, compressionType], { input, encoding: "utf8", timeout: 120_000 })
  if (result.status !== 0) throw new Error(`Java producer exited ${result.status}: ${result.stderr}${result.stdout}`)
}
