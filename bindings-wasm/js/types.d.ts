// ---- bankfeeds types (written by hand in bindings-wasm/js/types.d.ts; wasm-bindgen adds them
// ---- to the generated definitions, next to the exported functions that use them).

/**
 * An exact amount as a decimal string, digit for digit: `"-17.54"`, `"4002.00"`. Every amount
 * bankfeeds returns is one of these; never a `number`.
 */
export type Money = string;

/**
 * An amount given to bankfeeds: a decimal string (best), a bigint, or a number. A number is read
 * by its shortest text (as JavaScript prints it), so `0.1 + 0.2` arrives as
 * `0.30000000000000004` and is refused (`too_many_decimals`) when the account's `currency` is
 * known. Pass money as strings.
 */
export type MoneyInput = string | number | bigint;

/** A platform's short name. `profile()` also takes platform keys (`gbol`) and long forms. */
export type PlatformName = "generic" | "xero" | "qbo" | "freeagent" | "sage" | "netsuite" | "exact";

/** A transaction type as Codat's spec spells it. */
export type TransactionTypeName =
  | "Unknown" | "Credit" | "Debit" | "Int" | "Div" | "Fee" | "SerChg" | "Dep" | "Atm" | "Pos"
  | "Xfer" | "Check" | "Payment" | "Cash" | "DirectDep" | "DirectDebit" | "RepeatPmt" | "Other";

/** The status of a source account in Codat. */
export type AccountStatus = "pending" | "connecting" | "connected" | "disconnected" | "unknown";

/** Error or warning: an error stops a push, a warning is worth a look. */
export type Severity = "error" | "warning";

/** A stable code naming what a finding is about; `codes()` lists them with their severities. */
export type IssueCode =
  | "missing_field" | "invalid_number" | "invalid_date" | "invalid_value" | "unknown_column"
  | "malformed_input" | "not_cleared" | "empty_id" | "duplicate_id" | "conflicting_duplicate"
  | "exact_duplicate" | "sign_mismatch" | "type_decides_direction" | "unknown_transaction_type"
  | "unsupported_transaction_type" | "zero_amount" | "too_many_decimals" | "not_chronological"
  | "balance_mismatch" | "missing_balance" | "balance_overflow" | "future_date" | "date_too_old"
  | "before_feed_start" | "older_than_latest" | "offset_dropped" | "missing_description"
  | "description_too_long" | "counterparty_too_long" | "reference_too_long" | "field_ignored"
  | "batch_too_large" | "empty_batch" | "multiple_accounts" | "account_not_connected"
  | "sort_code_required" | "invalid_sort_code" | "unknown_currency" | "unsupported_region"
  | "unsupported_account_type";

/** How severe a rule's findings are made: `"off"` drops them from the report. */
export type RuleLevel = "error" | "warning" | "off";

/** The field of a transaction or account a finding is about, as the wire names it. */
export type FieldName =
  | "id" | "date" | "description" | "counterparty" | "reference" | "reconciled" | "amount"
  | "balance" | "transactionType" | "status" | "accountId" | "currency" | "sortCode"
  | "accountStatus" | "feedStartDate" | "transactions";

/** What a change made by `prepare()` did. */
export type ChangeKind =
  | "trimmed" | "blanked" | "truncated" | "duplicate_dropped" | "type_inferred" | "sign_flipped"
  | "sorted" | "balances_computed" | "balance_replaced";

/**
 * A transaction row as a bank has it. Keys are matched loosely (`transaction_type`,
 * `"Transaction Type"` and `type` all mean `transactionType`); other keys are reported as
 * `unknown_column` warnings. Every value is checked, and each bad one is reported by row and
 * field rather than thrown.
 */
export interface TransactionInput {
  /** Unique for the company in the accounting platform. */
  id?: string | number | null;
  /** A local ISO 8601 date or date-time (`"2024-05-01"`, `"2024-05-01T10:21:00"`); an offset is dropped, never applied. */
  date?: string | null;
  description?: string | null;
  counterparty?: string | null;
  reference?: string | null;
  /** `true`/`false`, or text such as `"yes"`, `"no"`, `"1"`, `"0"`. */
  reconciled?: boolean | string | null;
  /** Positive in, negative out. */
  amount?: MoneyInput | null;
  /** The account's balance after this transaction. */
  balance?: MoneyInput | null;
  transactionType?: TransactionTypeName | (string & {}) | null;
  /** `cleared`, `posted`, `pending`...: pending rows are refused (`not_cleared`). Not sent to Codat. */
  status?: string | null;
  /** The source account the row belongs to. Not sent per transaction. */
  accountId?: string | null;
  [key: string]: unknown;
}

/** A row bankfeeds reads: a bank's row, or one bankfeeds returned (normalised or parsed). */
export type RowInput = TransactionInput | BankTransaction | ParsedRow;

/** A push body as Codat takes it, given to bankfeeds. */
export interface PushBodyInput {
  accountId?: string | null;
  transactions: readonly RowInput[];
}

/**
 * Rows, all in one call: a list of row objects, a push body, or the text of a CSV file (with a
 * header line) or a JSON file (a push body or an array of transactions).
 */
export type TransactionsInput = readonly RowInput[] | PushBodyInput | string;

/** A transaction as Codat's wire format spells it; absent fields are left out. */
export interface BankTransaction {
  id: string;
  /** Local date-time, written back as it was given (`"2024-05-01"`, `"2024-05-01T10:21:00"`). */
  date: string;
  description?: string;
  counterparty?: string;
  reference?: string;
  reconciled?: boolean;
  amount: Money;
  balance?: Money;
  transactionType?: TransactionTypeName | (string & {});
}

/** One finding. `row` is the zero-based input row (for a CSV file, the n-th record after the header; blank lines and quoted line breaks are not rows). */
export interface Issue {
  code: IssueCode;
  severity: Severity;
  row?: number;
  id?: string;
  field?: FieldName;
  /** A sentence for a person. */
  message: string;
  /** The value expected, where there is one (e.g. the balance the chain implies). */
  expected?: string;
  /** The value found. */
  found?: string;
}

/** Every finding at once, ordered by row (findings about no row first). A streamed file's report (`validateStream()`, `FileChecker`) lists the first 1,000 findings of each code (`maxFindings`) and counts the rest in `omitted`; `valid`, `errorCount` and `warningCount` count those too. */
export interface ValidationReport {
  /** True when there is no error, listed or not (warnings allowed). */
  valid: boolean;
  /** Errors, listed or not. */
  errorCount: number;
  /** Warnings, listed or not. */
  warningCount: number;
  issues: Issue[];
  /** Findings counted but not listed, by code and severity; present only when there are any. */
  omitted?: OmittedFindings[];
}

/** Findings of one code and severity a report counts but does not list. */
export interface OmittedFindings {
  code: IssueCode;
  severity: Severity;
  count: number;
}

/** One change `prepare()` made. A change to many rows lists them in `rows`. */
export interface Change {
  kind: ChangeKind;
  row?: number;
  id?: string;
  field?: FieldName;
  before?: string;
  after?: string;
  rows?: number[];
  message: string;
}

/** A chunk of a CSV or JSON file for `FileChecker.push()`: bytes (UTF-8) or text, split anywhere. */
export type FileChunk = Uint8Array | string;

/** What `validateStream()` reads, a CSV or JSON file: a `Blob` (a browser's `File`), a stream of the file's bytes, or an async iterable of its chunks (a Node stream such as `fs.createReadStream(path)`). */
export type StreamSource = Blob | ReadableStream<Uint8Array> | AsyncIterable<FileChunk>;

/** What `validate()` knows beyond the rows. */
export interface ValidateOptions {
  /** Whose rules apply; default `"generic"`. */
  platform?: PlatformName | (string & {});
  /** Today where the account is kept, `"YYYY-MM-DD"`; future and age rules use it. Default: today in `timeZone`, else the local date of JavaScript's clock. */
  today?: string;
  /** Where the account is kept, for today's date (not with `today`): an IANA name (`"Australia/Sydney"`, resolved by the JavaScript engine), an offset (`"+10:00"`), `"UTC"` or `"local"` (the default). */
  timeZone?: string;
  /** Each rule's severity by its code, e.g. `{ sign_mismatch: "error", exact_duplicate: "off" }`. Codes about rows or values that cannot be read stay errors; an unknown code or level throws a `BankFeedsError` listing what is allowed. */
  rules?: Partial<Record<IssueCode, RuleLevel>>;
  /** The account's ISO 4217 currency: amounts may have no more decimals than it allows. */
  currency?: string;
  /** The source account's id. */
  accountId?: string;
  /** The source account's status: pushes need `connected`. */
  accountStatus?: AccountStatus | (string & {});
  /** The first day transactions may be pushed for, `"YYYY-MM-DD"`. */
  feedStartDate?: string;
  /** The balance before the first row: in `validate()` the first row's balance is checked against it; in `prepare()` balances are computed from it. */
  openingBalance?: MoneyInput;
  /** The date-time of the newest transaction already on the account. */
  latestExisting?: string;
  /** The company's country, ISO 3166 alpha-2 (`"US"`), for platforms limited to some regions. */
  country?: string;
  /** How many findings of each code a streamed file's report (`validateStream()`, `FileChecker`) lists, the rest counted in `omitted`; default 1,000, `Infinity` for every one. Reports of a whole text list every finding. */
  maxFindings?: number;
}

/** A source account, for `validateAccount()`. */
export interface AccountInput {
  /** Your id for the account. */
  id?: string | null;
  /** ISO 4217. */
  currency?: string | null;
  /** Six digits, `12-34-56` or `123456`; GBP accounts need one. */
  sortCode?: string | null;
  /** The v1 `accountType`: `Debit` or `Credit`. */
  accountType?: string | null;
}

/** What `prepare()` may change, on top of what `validate()` knows. */
export interface NormaliseOptions extends ValidateOptions {
  /** Compute every balance backward from the balance after the newest row (what the bank shows today). */
  closingBalance?: MoneyInput;
  /** Flip amounts whose sign contradicts their type; default false (validation flags them). */
  fixSigns?: boolean;
  /** Trim text fields (blank ones are removed); default true. */
  trim?: boolean;
  /** Cut text to the platform's limits; default false (over-long text is an error). */
  truncate?: boolean;
  /** Drop exact duplicates; default true. */
  dedupe?: boolean;
  /** Infer `Credit`/`Debit` from the sign where the type is missing; default true. */
  inferTypes?: boolean;
  /** Sort oldest first; default true. */
  sort?: boolean;
  /** Transactions per push, at most the platform's maximum (1000). */
  batchSize?: number;
}

/** What `prepare()` returns. */
export interface NormaliseResult {
  /** The rows ready to push, oldest first. Rows that could not be read are left out (and reported). */
  transactions: BankTransaction[];
  /** `sourceRows[i]` is the input row of `transactions[i]`. */
  sourceRows: number[];
  changes: Change[];
  /** Findings on the normalised rows, by input row. */
  report: ValidationReport;
  /** `transactions` in pushes of at most `batchSize` (the same objects). */
  batches: BankTransaction[][];
  batchSize: number;
  /** The account the input names (a push body's `accountId`, or an `accountId` column). */
  accountId?: string;
  /** Rows read from the input. */
  rowsRead: number;
}

/** A row whose balance is not the previous balance plus its amount. */
export interface ChainBreak {
  /** The input row. */
  row: number;
  id: string;
  /** Previous balance plus this amount. */
  expected: Money;
  /** The balance the row carries. */
  found: Money;
  /** `found - expected`. */
  difference: Money;
}

/** What `verifyBalances()` found. Rows are input rows. */
export interface ChainReport {
  /** True when every row with a balance follows from the one before. */
  intact: boolean;
  breaks: ChainBreak[];
  /** Rows without a balance (bridged: the next balance is checked across them). */
  missing: number[];
  /** Rows whose expected balance overflows 28 digits. */
  overflows: number[];
  /** The last row's balance, when it has one. */
  closingBalance?: Money;
}

/** Where `fillBalances()` starts: the balance after the newest row, or before the oldest. */
export type BalanceAnchor = { closing: MoneyInput; opening?: undefined } | { opening: MoneyInput; closing?: undefined };

/** What `fillBalances()` returns. */
export interface FilledBalances {
  /** The rows, in the order given, each with its balance. */
  transactions: BankTransaction[];
  /** The balance before the first row. */
  openingBalance: Money;
  /** The balance after the last row. */
  closingBalance: Money;
}

/** The body of one push to Codat: at most 1000 transactions for one account. */
export interface PushBody {
  accountId: string;
  transactions: BankTransaction[];
}

/** A platform bankfeeds knows. */
export interface PlatformSummary {
  platform: PlatformName;
  /** Codat's platform key, where one is published (`gbol` for Xero). */
  key?: string;
  /** Its name for people. */
  name: string;
}

/** What one platform requires on top of Codat's generic rules. */
export interface Profile {
  platform: PlatformName;
  key?: string;
  name: string;
  /** Most transactions in one push. */
  maxBatch: number;
  /** Severity of a missing balance; null when balances are not needed. */
  missingBalance: Severity | null;
  descriptionRequired: boolean;
  /** Oldest transaction accepted, in days before today. */
  maxAgeDays: number | null;
  beforeFeedStart: Severity;
  olderThanLatest: Severity;
  /** Whether "older than the newest on the account" compares calendar dates (Xero) rather than date-times. */
  latestByDate: boolean;
  maxDescription: number | null;
  maxCounterparty: number | null;
  maxReference: number | null;
  /** The transaction types accepted, when fewer than the spec's. */
  allowedTypes: TransactionTypeName[] | null;
  /** Fields the platform drops. */
  ignoredFields: FieldName[];
  /** Where the platform's bank feeds are available, when limited. */
  regions: { countries: string[]; currencies: string[] } | null;
  /** Whether direction comes from the type, whatever the sign (FreeAgent). */
  typeDecidesDirection: boolean;
  /** v1 `accountType` values accepted, when limited. */
  accountTypes: string[] | null;
}

/** A finding code and its default severity. */
export interface CodeInfo {
  code: IssueCode;
  severity: Severity;
}

/** A row as a file has it: text as written (numbers as their digits), booleans, nulls. */
export interface ParsedRow {
  id?: string | null;
  date?: string | null;
  description?: string | null;
  counterparty?: string | null;
  reference?: string | null;
  reconciled?: string | boolean | null;
  amount?: string | null;
  balance?: string | null;
  transactionType?: string | null;
  status?: string | null;
  accountId?: string | null;
}

/** What `parseFile()` returns. */
export interface ParsedFile {
  /** A push body's `accountId`. */
  accountId?: string;
  /** The rows, in file order (row 0 is the line after a CSV header). */
  rows: ParsedRow[];
  /** Problems with the file itself (bad JSON, a CSV header without `amount`...). */
  issues: Issue[];
}

/**
 * Every error code of the core's table, as `errorCodes()` lists them, in its order: the same
 * strings in every language bankfeeds speaks (`docs/contract.md`). What this module throws is
 * `BankFeedsErrorCode`.
 */
export type ErrorCode =
  | "validation" | "schema" | "invalid_input" | "invalid_argument" | "invalid_option" | "too_large"
  | "config" | "api" | "decode" | "timeout" | "transport" | "source_account_not_found"
  | "push_outcome_unknown" | "wait_timeout" | "history_unknown" | "account_busy"
  | "lookup_incomplete" | "ledger" | "missing_header" | "invalid_timestamp" | "expired"
  | "invalid_signature" | "invalid_secret" | "invalid_body" | "reentrancy" | "internal";

/**
 * Codes of errors about arguments and options (`too_large`: more than one call takes, 1,000,000
 * rows or 128 MiB of text), and of bugs; rows that break a rule are `"validation"` (the finding's
 * own code is on `ValidationError.issue`).
 */
export type UsageErrorCode = "invalid_argument" | "invalid_option" | "too_large" | "internal";

/**
 * Any error bankfeeds throws. `code` says what went wrong; `row`, `id` and `field` say where
 * (`field` names the option or argument for usage errors).
 */
export class BankFeedsError extends Error {
  readonly name: BankFeedsErrorName;
  readonly code: BankFeedsErrorCode;
  readonly row: number | undefined;
  readonly id: string | undefined;
  readonly field: FieldName | (string & {}) | undefined;
}

/**
 * Rows that cannot be used as given; `code` is `"validation"` in every language. Every finding is
 * in `issues`; `issue` is the one that stopped the rows (the first error), with its finding code
 * (`issue.code`); `row`, `id` and `field` are its.
 */
export class ValidationError extends BankFeedsError {
  readonly name: "ValidationError";
  readonly code: "validation";
  readonly issues: Issue[];
  readonly issue: Issue;
}
