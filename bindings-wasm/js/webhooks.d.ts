
// ---- webhooks (the Node build only: a signing secret never belongs in a browser) -------------

/** The `name` of an error bankfeeds throws. */
export type BankFeedsErrorName = "BankFeedsError" | "ValidationError" | "WebhookError";

/** The `code` of an error bankfeeds throws. */
export type BankFeedsErrorCode = UsageErrorCode | "validation" | WebhookErrorCode;

/** Why a webhook delivery was refused: the same codes in every language bankfeeds speaks. */
export type WebhookErrorCode =
  | "missing_header" | "invalid_timestamp" | "expired" | "invalid_signature" | "invalid_secret"
  | "invalid_body";

/**
 * A delivery `verifyWebhook()` refused. Answer the request with `status` (401 for
 * `invalid_signature` and `expired`, 400 for a malformed delivery, 500 for a bad secret);
 * Codat delivers it again later.
 */
export class WebhookError extends BankFeedsError {
  readonly name: "WebhookError";
  readonly code: WebhookErrorCode;
  readonly status: 400 | 401 | 500;
}

/**
 * The request's headers: a plain object (any case of names), a `Headers` instance (fetch,
 * Next.js, Hono...), Node's `IncomingHttpHeaders` (`req.headers`), a `Map`, or `[name, value]`
 * pairs. Values may be lists (their items are joined by a space).
 */
export type WebhookHeadersInput =
  | Record<string, string | readonly string[] | undefined>
  | Iterable<readonly [string, string]>
  // A `Headers` or a `Map` (typed by its forEach, so that no DOM or Node typings are needed).
  | { forEach(callback: (value: string, name: string) => void): void };

/**
 * The raw body, exactly as received: a `Buffer` or `Uint8Array` (best: `express.raw()`,
 * `await request.arrayBuffer()`), an `ArrayBuffer`, or the body's text (`await request.text()`;
 * encoded as UTF-8). Never `JSON.stringify(req.body)`: re-serialised JSON is not what was signed.
 */
export type WebhookBodyInput = Uint8Array | ArrayBuffer | string;

/** Options of `verifyWebhook()`. */
export interface VerifyWebhookOptions {
  /** How far the signed time may be from now, either way, in seconds (default 300). */
  tolerance?: number;
  /** The time to check against: a `Date`, or milliseconds since 1970 like `Date.now()` (default: now). */
  now?: Date | number;
}

/** What a webhook event is about. */
export type WebhookKind = "source_account" | "rate_limit" | "push_operation" | "other";

/** Which push operation a push event is about, and where it is now. */
export interface WebhookPushOperation {
  /** The push operation's key (`pushOperationKey`). */
  key: string;
  /** `Success`, `Failed` or `TimedOut` (the legacy alert may also say `Pending`). */
  status: "Pending" | "Success" | "Failed" | "TimedOut" | (string & {});
  /** The data type pushed (`bankTransactions` for a bank feed), when the event says. */
  dataType?: string;
  /** The connection pushed through, when the event says. */
  connectionId?: string;
}

export interface WebhookDeliveryBase {
  /** The message id (`svix-id`), the same on every redelivery: handle each message once by it. */
  messageId: string;
  /** When this delivery was signed (ISO 8601, UTC, whole seconds). */
  timestamp: string;
  /** `eventType` (`bankTransactions.write.successful`...), or a legacy alert's rule type. */
  eventType: string | null;
  /** The company the event is about, where it names one. */
  companyId: string | null;
  /** The body, parsed from the verified bytes. */
  body: unknown;
}

/**
 * A verified delivery. `kind` tells the events apart: `push_operation` (Codat's
 * `{dataType}.write.successful` / `.unsuccessful` and the legacy "Push Operation Status Changed"
 * alert, with `pushOperation`), `source_account` (`bankFeeds.sourceAccount.connected` /
 * `.disconnected`), `rate_limit` (`client.rateLimit.reached` / `.reset`) and `other` (anything
 * else, with its `eventType` and `body`).
 */
export type WebhookDelivery = WebhookDeliveryBase &
  (
    | { kind: "push_operation"; pushOperation: WebhookPushOperation }
    | { kind: "source_account" | "rate_limit" | "other"; pushOperation: null }
  );
