// vitest globalSetup of the "integration" and "faults" projects: the local stack plus its secured servers
// (`up --secure`, for secured.test.ts). See test/support/stackUp.ts.
import { stackUp } from "../support/stackUp.ts"

export default function setup(): void {
  stackUp("--secure")
}
