
/** The `name` of an error bankfeeds throws. */
export type BankFeedsErrorName = "BankFeedsError" | "ValidationError";

/** The `code` of an error bankfeeds throws. */
export type BankFeedsErrorCode = UsageErrorCode | "validation";
