import { Effect } from "effect"
import { stack, stackEnvFile } from "../../dev/stack.ts"

/** The cluster profile's client settings as `stack.sh up --cluster` writes them (.stack/cluster.env). */
export const clusterEnv = (): Record<string, string> => stackEnvFile("cluster.env")

export type ClusterNode = `kafka-${1 | 2 | 3}` | `cassandra-${1 | 2 | 3}`

/** `kill -9` of one node of the cluster profile. */
export const killNode = (node: ClusterNode) => stack("kill", node)

/** Starts a node again (waits until it answers). */
export const startNode = (node: ClusterNode) => stack("up", node)

/** Runs `body` with the nodes killed (-9); they are started again however it ends. */
export const whileKilled = <A, E, R>(nodes: ReadonlyArray<ClusterNode>, body: Effect.Effect<A, E, R>) =>
  Effect.acquireUseRelease(
    Effect.forEach(nodes, killNode, { discard: true }),
    () => body,
    () => Effect.forEach(nodes, startNode, { concurrency: "unbounded", discard: true })
  )

/** The Kafka node leading a partition, from the cluster's metadata (node ids 1..3 are kafka-1..3). */
export const leaderOf = (metadata: { readonly topics: ReadonlyArray<{ readonly partitions: ReadonlyArray<{ readonly partitionId: number; readonly leader: number }> }> }, partition: number): ClusterNode =>
  `kafka-${metadata.topics[0]!.partitions.find((p) => p.partitionId === partition)!.leader as 1 | 2 | 3}`

/**
 * The records an ingest sent again because kafkajs resolved a send without acknowledging their partition (the producer
 * layer's warning): 0 when the broker's death did not land on a produce request in flight, which is when kafkajs skips.
 */
export const resentRecords = (ingestOutput: string): number =>
  [...ingestOutput.matchAll(/no acknowledgement for partition\(s\) [\d,]+ \((\d+) records\); sending them again/g)]
    .reduce((n, match) => n + Number(match[1]), 0)
