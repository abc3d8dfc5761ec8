// A typed user of the package: compiled with `tsc --noEmit` (strict) by tests/types.test.mjs.
// It must compile, and each `@ts-expect-error` line must be an error: together they show that
// every export is typed and that the types refuse what the functions refuse.
import {
  BankFeedsError,
  FileChecker,
  ValidationError,
  codes,
  errorCodes,
  fillBalances,
  normalise,
  prepare,
  parseFile,
  platforms,
  profile,
  pushBodies,
  validate,
  validateAccount,
  validateStream,
  verifyBalances,
  verifyChain,
  verifyWebhook,
  WebhookError,
  type BankFeedsErrorCode,
  type ErrorCode,
  type VerifyWebhookOptions,
  type WebhookDelivery,
  type WebhookErrorCode,
  type WebhookKind,
  type AccountInput,
  type AccountStatus,
  type BalanceAnchor,
  type BankTransaction,
  type ChainBreak,
  type ChainReport,
  type Change,
  type ChangeKind,
  type CodeInfo,
  type FieldName,
  type FilledBalances,
  type Issue,
  type IssueCode,
  type Money,
  type MoneyInput,
  type NormaliseOptions,
  type NormaliseResult,
  type ParsedFile,
  type ParsedRow,
  type PlatformName,
  type PlatformSummary,
  type Profile,
  type PushBody,
  type PushBodyInput,
  type RowInput,
  type RuleLevel,
  type Severity,
  type TransactionInput,
  type TransactionTypeName,
  type TransactionsInput,
  type UsageErrorCode,
  type ValidateOptions,
  type ValidationReport,
} from "bankfeeds-wasm";
import init, { validate as validateInBrowser } from "bankfeeds-wasm/web";
import * as webBuild from "bankfeeds-wasm/web";

const rows: TransactionInput[] = [
  { id: "t1", date: "2024-05-01", amount: "2500.00", balance: "2600.00", transactionType: "Credit" },
  { id: 2, date: "2024-05-02", amount: -3.2, balance: 2596n, "Transaction Type": "debit", memo: "x" },
];
const body: PushBodyInput = { accountId: "acc", transactions: rows };
const inputs: TransactionsInput[] = [rows, body, "id,date,amount\n"];

const status: AccountStatus = "connected";
const platform: PlatformName = "xero";
const options: ValidateOptions = { platform, today: "2024-06-01", currency: "GBP", accountStatus: status };
const strict: ValidateOptions = { platform, timeZone: "Australia/Sydney", rules: { sign_mismatch: "error", exact_duplicate: "off" } };
const level: RuleLevel = "off";
const account: AccountInput = { id: "acc", currency: "GBP", sortCode: "12-34-56", accountType: "Debit" };
const accountReport: ValidationReport = validateAccount(account, "xero");
const report: ValidationReport = validate(rows, options);
const checker = new FileChecker(options);
checker.push("id,date,amount\n");
checker.push(new TextEncoder().encode("t1,2024-05-01,1.00\n"));
const streamed: ValidationReport = checker.finish();
const fromBlob: Promise<ValidationReport> = validateStream(new Blob(["id,date,amount\n"]), options);
const fromStream: Promise<ValidationReport> = validateStream(new Blob([]).stream());
async function* textChunks() {
  yield "id,date,amount\n";
}
const fromChunks: Promise<ValidationReport> = validateStream(textChunks());
const valid: boolean = report.valid;
const counts: number = report.errorCount + report.warningCount;
for (const issue of report.issues) {
  const code: IssueCode = issue.code;
  const severity: Severity = issue.severity;
  const row: number | undefined = issue.row;
  const field: FieldName | undefined = issue.field;
  const text: string = issue.message;
  const expected: string | undefined = issue.expected;
  void [code, severity, row, field, text, expected];
}

const normaliseOptions: NormaliseOptions = { ...options, closingBalance: "2596.80", fixSigns: true, batchSize: 500 };
const result: NormaliseResult = prepare(inputs[0], normaliseOptions);
const byOldName: NormaliseResult = normalise(inputs[0], normaliseOptions);
const first: BankTransaction | undefined = result.transactions[0];
const amount: Money | undefined = first?.amount;
const balance: Money | undefined = first?.balance;
const sourceRow: number = result.sourceRows[0] ?? 0;
const batch: BankTransaction[] = result.batches[0] ?? [];
const change: Change | undefined = result.changes[0];
const kind: ChangeKind | undefined = change?.kind;
const inner: ValidationReport = result.report;

const chain: ChainReport = verifyBalances(rows, "100.00");
const byOldVerb: ChainReport = verifyChain(rows);
const breaks: ChainBreak[] = chain.breaks;
const difference: Money | undefined = breaks[0]?.difference;
const missing: number[] = chain.missing;

const anchor: BalanceAnchor = { closing: "100.00" };
const filled: FilledBalances = fillBalances(rows, anchor);
const opening: Money = filled.openingBalance;
const fromOpening: FilledBalances = fillBalances(body, { opening: 0 });

const bodies: PushBody[] = pushBodies(result.transactions, "acc", 1000);
const accountId: string | undefined = bodies[0]?.accountId;

const all: PlatformSummary[] = platforms();
const rules: Profile = profile("xero");
const byKey: Profile = profile("gbol");
const maxBatch: number = rules.maxBatch;
const types: TransactionTypeName[] | null = rules.allowedTypes;
const catalogue: CodeInfo[] = codes();
const errorTable: ErrorCode[] = errorCodes();
const thrownCodes: ErrorCode[] = ["validation" satisfies BankFeedsErrorCode, "invalid_option" satisfies BankFeedsErrorCode];
const parsed: ParsedFile = parseFile("id,date,amount\nt1,2024-05-01,1.00\n");
const parsedRow: ParsedRow | undefined = parsed.rows[0];
const again: ValidationReport = validate(parsed.rows, options);
const money: MoneyInput[] = ["1.00", 1, 1n];
const mixed: RowInput[] = [...rows, ...result.transactions, ...parsed.rows];

try {
  fillBalances(rows, { closing: "1.00" });
} catch (e) {
  if (e instanceof ValidationError) {
    const issues: Issue[] = e.issues;
    const code: "validation" = e.code;
    const stopped: IssueCode = e.issue.code;
    const row: number | undefined = e.row;
    void [issues, code, stopped, row];
  } else if (e instanceof BankFeedsError) {
    const code: BankFeedsErrorCode = e.code;
    const field: string | undefined = e.field;
    const error: Error = e;
    void [code, field, error];
  }
}

async function inBrowser(): Promise<ValidationReport> {
  await init();
  return validateInBrowser("id,date,amount\n", { today: "2024-06-01" });
}

// What the types refuse.
// @ts-expect-error: an unknown option (a typo) is an error
validate(rows, { plaform: "xero" });
// @ts-expect-error: closingBalance is for normalise(), not validate()
validate(rows, { closingBalance: "1.00" });
// @ts-expect-error: money comes back as a string, never a number
const asNumber: number = result.transactions[0]!.amount;
// @ts-expect-error: fillBalances needs { closing } or { opening }
fillBalances(rows);
// @ts-expect-error: not both ends of the chain
fillBalances(rows, { closing: "1", opening: "2" });
// @ts-expect-error: rows are objects, a push body or file text
validate(42);
// @ts-expect-error: a chunk is bytes or text
checker.push([1, 2, 3]);
// @ts-expect-error: the checker takes validate()'s options, not normalise()'s
new FileChecker({ closingBalance: "1.00" });
// @ts-expect-error: validateStream reads a Blob or a stream, not text
validateStream("id,date,amount\n");
// @ts-expect-error: an issue code is one of the catalogue
const notACode: IssueCode = "balance_wrong";
// @ts-expect-error: accountId is required
pushBodies(rows);
// @ts-expect-error: booleans are booleans
normalise(rows, { fixSigns: "yes" });
// @ts-expect-error: the sort code is the account's, checked by validateAccount()
validate(rows, { sortCode: "12-34-56" });
// @ts-expect-error: a rule's level is error, warning or off
validate(rows, { rules: { sign_mismatch: "loud" } });
// @ts-expect-error: rules are keyed by finding code
validate(rows, { rules: { sign_mismatches: "error" } });
// @ts-expect-error: dates are ISO text, not Date objects
const withDate: TransactionInput = { id: "a", date: new Date(), amount: "1" };

// Webhooks, in the Node build only.
const webhookOptions: VerifyWebhookOptions = { tolerance: 300, now: Date.now() };
const delivery: WebhookDelivery = verifyWebhook("whsec_x", { "svix-id": "m", "svix-signature": ["v1,a", "v1,b"] }, new Uint8Array(0), webhookOptions);
verifyWebhook("whsec_x", new Headers(), "{}", { now: new Date() });
verifyWebhook("whsec_x", [["svix-id", "m"]], new ArrayBuffer(0));
verifyWebhook("whsec_x", new Map([["svix-id", "m"]]), "{}");
const deliveryKind: WebhookKind = delivery.kind;
const pushKey: string | undefined = delivery.kind === "push_operation" ? delivery.pushOperation.key : undefined;
const when: string = delivery.messageId + delivery.timestamp;
try {
  verifyWebhook("whsec_x", {}, "{}");
} catch (e) {
  if (e instanceof WebhookError) {
    const answer: 400 | 401 | 500 = e.status;
    const why: WebhookErrorCode = e.code;
    void [answer, why];
  } else if (e instanceof BankFeedsError) {
    const asBase: string = e.code;
    void asBase;
  }
}
// @ts-expect-error: the browser build has no webhook check
webBuild.verifyWebhook("whsec_x", {}, "{}");
// @ts-expect-error: pushOperation is null unless kind says push_operation
const anyKey: string = delivery.pushOperation.key;
// @ts-expect-error: the body is the raw bytes or text, never a parsed object
verifyWebhook("whsec_x", {}, { eventType: "x" });
// @ts-expect-error: the refusal codes are the six
const notWebhookCode: WebhookErrorCode = "bad_signature";
// @ts-expect-error: tolerance is seconds, a number
verifyWebhook("whsec_x", {}, "{}", { tolerance: "5m" });

void [accountReport, valid, counts, amount, balance, sourceRow, batch, kind, inner, difference, missing, opening, fromOpening,
  accountId, all, byKey, maxBatch, types, catalogue, parsedRow, again, money, mixed, inBrowser, asNumber, notACode, withDate,
  strict, level, deliveryKind, pushKey, when, anyKey, notWebhookCode, byOldName, byOldVerb, errorTable, thrownCodes];
