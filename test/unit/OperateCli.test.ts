import { assert, describe, it } from "@effect/vitest"
import { flagsOf, runSourceMain as run } from "../../dev/cliEntry.ts"

describe("operating commands (node src/main.ts, no build needed)", { timeout: 60_000 }, () => {
  it("are listed in --help beside ingest and stream", () => {
    const { status, stdout } = run(["--help"])
    assert.strictEqual(status, 0)
    assert.match(stdout, /status\s+Show Kafka lag/)
    assert.match(stdout, /schema\s+Print the users\.v1/)
    assert.match(stdout, /dlq\s+Inspect and redrive/)
    assert.match(run(["dlq", "--help"]).stdout, /list\s+Print dead letters[\s\S]*redrive\s+Republish dead letters/)
  })

  it("describe their flags", () => {
    assert.includeMembers(flagsOf(run(["status", "--help"]).stdout), ["--json", "--dlq-newest", "--row-limit"])
    assert.includeMembers(flagsOf(run(["dlq", "list", "--help"]).stdout), ["--limit", "--error-type", "--json"])
    assert.includeMembers(flagsOf(run(["dlq", "redrive", "--help"]).stdout), [
      "--error-type", "--since", "--max", "--max-redrives", "--group", "--dry-run", "--json"
    ])
  })

  for (const args of [["dlq", "redrive", "--max", "0"], ["dlq", "redrive", "--since", "yesterday"], ["dlq", "list", "--limit", "x"]]) {
    it(`rejects ${JSON.stringify(args)} with one clear line and a non-zero exit`, () => {
      const { status, stderrLines } = run(args)
      assert.notStrictEqual(status, 0)
      assert.lengthOf(stderrLines, 1)
      assert.match(stderrLines[0]!, /^error: /)
    })
  }
})
