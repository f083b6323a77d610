// One `ingest` run against the fake API as the tests and benchmarks plan it: its flags, its pages, the users it should produce.
import { planRequests } from "../src/programs/ingest.ts"
import { expectedUsers, MaxResults } from "./fake-api/RandomUserGenerator.ts"

/** One `ingest` run: its seed and user count, page size and concurrency (the CLI's defaults when absent), the fake API's invalid-user rate. */
export interface IngestPlan {
  readonly seed: string
  readonly count: number
  /** `--results-per-request`; 5000, the most, when absent. */
  readonly perRequest?: number
  /** `--concurrency`; not passed when absent. */
  readonly concurrency?: number
  readonly invalidUserRate?: number
}

/** `ingest` flags for the run. */
export const ingestArgs = (plan: IngestPlan): Array<string> => [
  "ingest", "--seed", plan.seed, "--count", String(plan.count), "--results-per-request", String(plan.perRequest ?? MaxResults),
  ...(plan.concurrency === undefined ? [] : ["--concurrency", String(plan.concurrency)])
]

/** The pages the run asks the fake API for, planned as `ingest` plans them. */
export const ingestPages = (plan: IngestPlan) =>
  planRequests(plan.count, plan.perRequest ?? MaxResults).map((results, i) => ({
    seed: plan.seed,
    page: i + 1,
    results,
    invalidUserRate: plan.invalidUserRate
  }))

/** The valid users of the run's pages, in the order they are fetched. */
export const expectedRun = (plan: IngestPlan) => ingestPages(plan).flatMap((page) => expectedUsers(page))

/** What the run should produce: the valid users of its pages (and their ids), and how many invalid users the pages hold. */
export const expectedIngest = (plan: IngestPlan) => {
  const pages = ingestPages(plan)
  const users = pages.flatMap((page) => expectedUsers(page))
  const fetched = pages.reduce((n, page) => n + page.results, 0)
  return { users, ids: new Set(users.map((user) => user.id)), invalid: fetched - users.length }
}
