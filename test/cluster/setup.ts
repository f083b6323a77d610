// Runs in each cluster test worker before its test file: the cluster's client settings (.stack/cluster.env,
// written by `stack.sh up --cluster`) become the defaults of every program and helper the tests start.
import { join } from "node:path"
import { stackState } from "../../dev/stack.ts"

process.loadEnvFile(join(stackState, "cluster.env"))
