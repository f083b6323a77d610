// vitest globalSetup of the "cluster" project: the local stack's cluster profile (3 Kafka + 3 Cassandra nodes).
import { stackUp } from "../../dev/stack.ts"

export default function setup(): void {
  stackUp("--cluster")
}
