import { Schema } from "effect"

/** An integer of at least 1: the counts, sizes and limits of the configuration and the flags. */
export const PositiveInt = Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))
