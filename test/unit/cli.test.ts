import { assert, describe, it } from "@effect/vitest"
import { spawnSync } from "node:child_process"
import { flagsOf, runSourceMain as run, sourceMain } from "../../dev/cliEntry.ts"

describe("CLI (node src/main.ts, no build needed)", { timeout: 60_000 }, () => {
  it("lists both subcommands in --help", () => {
    const { status, stdout } = run(["--help"])
    assert.strictEqual(status, 0)
    assert.match(stdout, /ingest\s+Fetch users/)
    assert.match(stdout, /stream\s+Consume users/)
  })

  it("started by a Node older than 22.19, says so in one line naming the command that runs the pinned Node", () => {
    const olderNode = `data:text/javascript,${encodeURIComponent(
      "Object.defineProperty(process, 'versions', { value: { ...process.versions, node: '22.18.0' } });" +
        "Object.defineProperty(process, 'version', { value: 'v22.18.0' })"
    )}`
    const result = spawnSync(process.execPath, ["--import", olderNode, sourceMain, "ingest"], { encoding: "utf8", timeout: 20_000 })
    assert.notStrictEqual(result.status, 0)
    assert.deepStrictEqual(result.stderr.split("\n").filter((l) => l.trim() !== ""), [
      "error: users-pipeline needs Node >= 22.19, this is v22.18.0; run it with the project's pinned Node 24: npx users-pipeline <command> (after npm ci)"
    ])
  })

  it("describes every ingest and stream flag, with its environment variable", () => {
    const ingest = run(["ingest", "--help"]).stdout
    const stream = run(["stream", "--help"]).stdout
    for (const flag of ["--count", "--results-per-request", "--concurrency", "--seed", "--every", "--cron", "--for", "--retry-base", "--retry-cap", "--max-retries"]) {
      assert.include(flagsOf(ingest), flag)
    }
    for (const flag of ["--concurrency", "--from", "--retry-base", "--retry-cap", "--shutdown-timeout"]) {
      assert.include(flagsOf(stream), flag)
    }
    const described = (help: string) => help.split("\n").filter((l) => /^\s+--[a-z]/.test(l) && !/--(help|version|wizard|completions|log-level)/.test(l))
    for (const line of [...described(ingest), ...described(stream)]) assert.match(line, /\[env [A-Z_]+/)
  })

  it.each([
    [["ingest", "--concurrency", "notanumber"], {}, /--concurrency.*notanumber/],
    [["stream", "--concurrency", "0"], {}, /--concurrency/],
    [["ingest"], { INGEST_CONCURRENCY: "abc" }, /INGEST_CONCURRENCY/],
    [["ingest", "--cron", "61 * * * *"], {}, /--cron/],
    [["ingest", "--every", "10 parsecs"], {}, /--every/],
    [["ingest", "--every", "1 minute", "--cron", "@daily"], {}, /--every and --cron/],
    [["ingest"], { INGEST_EVERY: "10 parsecs" }, /INGEST_EVERY/],
    [["ingest", "--nat", "us,jp"], {}, /--nat.*"JP" not among the v1\.4 nationalities/],
    [["ingest"], { USERS_API_NAT: "us, xx" }, /"XX" not among the v1\.4 nationalities.*USERS_API_NAT/],
    [["ingest", "--results-per-request", "5001"], {}, /--results-per-request.*between 1 and 5000/],
    [["ingest"], { USERS_API_BUDGET: "lots", KAFKA_BROKERS: "127.0.0.1:1" }, /USERS_API_BUDGET/],
    [["ingest"], { USERS_API_RATE_WINDOW: "soon", KAFKA_BROKERS: "127.0.0.1:1" }, /USERS_API_RATE_WINDOW/]
  ] as const)("rejects %j with one clear line and a non-zero exit", (args, env, message) => {
    const { status, stderrLines } = run(args, env)
    assert.notStrictEqual(status, 0)
    assert.strictEqual(stderrLines.length, 1, stderrLines.join("\n"))
    assert.match(stderrLines[0]!, message)
  })
})
