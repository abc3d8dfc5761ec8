// The error classes the WebAssembly module throws. They live in JavaScript so that they are real
// `Error` subclasses: `instanceof` works, and the engine records a stack when the module creates
// one. The module constructs them (wasm-bindgen imports this file) and re-exports them, so
// `import { BankFeedsError } from "bankfeeds-wasm"` is the same class the module throws.

/** Any error from bankfeeds: `code` says what went wrong; `row`, `id` and `field` say where. */
export class BankFeedsError extends Error {
  constructor(message, code, row, id, field) {
    super(message);
    this.name = "BankFeedsError";
    this.code = code;
    this.row = row;
    this.id = id;
    this.field = field;
  }
}

/**
 * Rows that cannot be used as given; `code` is `"validation"`, as in every language. `issues`
 * lists every finding (the same objects a validation report holds); `issue` is the one that
 * stopped them (the first error), with its finding code (`issue.code`, such as
 * `"invalid_date"`); `row`, `id` and `field` are its.
 */
export class ValidationError extends BankFeedsError {
  constructor(message, code, row, id, field, issues) {
    super(message, code, row, id, field);
    this.name = "ValidationError";
    this.issues = issues;
    this.issue = issues.find((i) => i.severity === "error") ?? issues[0];
  }
}

/**
 * A webhook delivery refused by `verifyWebhook()` (Node build only). `code` is one of
 * `missing_header`, `invalid_timestamp`, `expired`, `invalid_signature`, `invalid_secret`,
 * `invalid_body`, the same in every language bankfeeds speaks; `status` is the HTTP status to
 * answer with (401 for `invalid_signature` and `expired`, 400 for a malformed delivery, 500 for a
 * bad secret).
 */
export class WebhookError extends BankFeedsError {
  constructor(message, code, status) {
    super(message, code, undefined, undefined, undefined);
    this.name = "WebhookError";
    this.status = status;
  }
}
