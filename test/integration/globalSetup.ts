// vitest globalSetup of the "integration" and "faults" projects: the local stack plus its secured servers
// (`up --secure`, for secured.test.ts). See dev/stack.ts.
import { stackUp } from "../../dev/stack.ts"

export default function setup(): void {
  stackUp("--secure")
}
