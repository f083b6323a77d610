// The test projects' globalSetup: brings the local stack up (`stack/stack.sh up <args>`) before any test runs.
// `stack.sh up` is idempotent and fast when the servers already run. The stack is deliberately NOT torn down
// afterwards: `.ci/run` or the developer (`npm run stack:down`) does that.
// USERS_PIPELINE_STACK_SKIP_UP=1 skips it (e.g. services provided some other way).
import { spawnSync } from "node:child_process"
import { fileURLToPath } from "node:url"

export const stackUp = (...args: ReadonlyArray<string>): void => {
  if (process.env["USERS_PIPELINE_STACK_SKIP_UP"] === "1") return
  const repo = fileURLToPath(new URL("..", import.meta.url))
  const result = spawnSync("bash", ["stack/stack.sh", "up", ...args], { cwd: repo, stdio: "inherit" })
  if (result.status !== 0) {
    throw new Error(`stack/stack.sh up ${args.join(" ")} failed (exit ${result.status ?? result.signal}); see its output above`)
  }
}
