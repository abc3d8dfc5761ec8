// Writes core/tests/webhooks/vectors.json: webhook deliveries signed by an independent Standard
// Webhooks implementation (the npm package `standardwebhooks`, installed in tools/node_modules by
// scripts/bootstrap.sh), with the verdict each bankfeeds front end must give. The Rust core
// (core/tests/webhook_vectors.rs), Node (bindings-wasm/tests/webhooks.test.mjs), Kotlin
// (bindings-mobile/tests/kotlin/WebhookTests.kt) and the CLI check every case; Rust and Node also
// run this script with --check, so the committed file is exactly what the package signs.
//
//   node core/tests/webhooks/generate.mjs           # rewrite vectors.json
//   node core/tests/webhooks/generate.mjs --check   # exit 1 if vectors.json differs
//   node core/tests/webhooks/generate.mjs -         # print to stdout
//
// Everything is fixed (secrets, ids, times, bodies) and HMAC is deterministic, so the output never
// changes unless this script does. Each case also records what the package itself says when it
// verifies the delivery at the case's `now` (`reference`): our verdict agrees with it except where
// a case says why bankfeeds is stricter (`stricter`).
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, "..", "..", "..");
const out = join(here, "vectors.json");

const requireTools = createRequire(join(repoRoot, "tools", "package.json"));
let Webhook;
try {
  ({ Webhook } = requireTools("standardwebhooks"));
} catch {
  console.error("the npm package standardwebhooks is not installed in tools/node_modules: run scripts/bootstrap.sh");
  process.exit(3);
}

// Signing secrets: `whsec_` and base64, as Codat shows them.
const SECRET = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
const OLD_SECRET = "whsec_" + Buffer.from("the secret before the rotation").toString("base64");
const OTHER_SECRET = "whsec_" + Buffer.from("a secret of another endpoint").toString("base64");
// 2024-06-01T12:00:00Z: every case is checked at this instant (or its own `now`).
const NOW = 1717243200;
const TOLERANCE = 300;

const iso = (secs) => new Date(secs * 1000).toISOString().replace(".000Z", "Z");
const json = (value) => JSON.stringify(value);

const COMPANY = "0498e921-9b53-4396-a412-4f2f5983b0a2";
const CONNECTION = "2e9d2c44-f675-40ba-8049-353bfcb5e171";
const company = { id: COMPANY, name: "Toft stores" };

// Bodies in the shapes Codat documents (see core/src/model/webhook.rs for the sources).
const writeEvent = (eventType, key, status, extra = {}) =>
  json({
    id: `evt-${key}`,
    eventType,
    generatedDate: iso(NOW - 5),
    payload: {
      id: key,
      type: "Create",
      referenceCompany: company,
      connectionId: CONNECTION,
      requestedOnDate: iso(NOW - 40),
      completedOnDate: iso(NOW - 6),
      status,
      ...extra,
    },
  });
const sourceAccountEvent = (eventType, status) =>
  json({
    id: "ba29118f-5406-4e59-b05c-ba307ca38d01",
    eventType,
    generatedDate: iso(NOW - 5),
    payload: {
      referenceCompany: company,
      connectionId: CONNECTION,
      sourceAccount: {
        id: "acc-002",
        accountName: "Business current account",
        sortCode: "040004",
        accountNumber: "12345678",
        currency: "GBP",
        balance: 99.99,
        status,
      },
    },
  });
const rateLimitEvent = (eventType, remaining) =>
  json({
    id: "743ec94a-8aa4-44bb-8bd4-e1855ee0e74b",
    eventType,
    generatedDate: iso(NOW - 5),
    payload: { dailyQuota: 12000, quotaRemaining: remaining, expiryDate: "2024-06-02T00:00:00Z" },
  });
const legacyPushAlert = (key, status) =>
  json({
    CompanyId: COMPANY,
    RuleId: "5a6f112d-b0fa-4c0b-9ea4-7dd4075bc43d",
    Type: "Push Operation Status Changed",
    AlertId: "a6bb69d5-631c-4732-8e4e-18bea36aea20",
    DataConnectionId: CONNECTION,
    Message: `bankTransactions triggered notification for PushOperationStatusChanged at ${iso(NOW - 5)}`,
    Data: { dataType: "bankTransactions", status, pushOperationKey: key },
  });

const BODY = {
  writeSuccessful: writeEvent("bankTransactions.write.successful", "push-001", "Success", { record: { id: "rec-1" } }),
  writeFailed: writeEvent("bankTransactions.write.unsuccessful", "push-002", "Failed"),
  writeTimedOut: writeEvent("bankTransactions.write.unsuccessful", "push-003", "TimedOut"),
  legacyPush: legacyPushAlert("push-004", "Success"),
  connected: sourceAccountEvent("bankFeeds.sourceAccount.connected", "connected"),
  disconnected: sourceAccountEvent("bankFeeds.sourceAccount.disconnected", "disconnected"),
  rateReached: rateLimitEvent("client.rateLimit.reached", 0),
  rateReset: rateLimitEvent("client.rateLimit.reset", 12000),
  readCompleted: json({
    id: "e-read-1",
    eventType: "read.completed",
    generatedDate: iso(NOW - 5),
    payload: { referenceCompany: company, dataTypes: [{ connectionId: CONNECTION, dataType: "bankAccounts", status: "Complete" }] },
  }),
  legacyConnection: json({
    CompanyId: COMPANY,
    RuleType: "DataConnectionStatusChanged",
    AlertId: "b1e6c1d2-0000-4000-8000-000000000001",
    Data: { dataConnectionId: CONNECTION, platformKey: "gbol", newStatus: "Linked", oldStatus: "PendingAuth" },
  }),
  // Text beyond ASCII: the bytes signed are UTF-8, whatever form the receiver gets them in.
  unicode: json({
    id: "e-unicode",
    eventType: "bankTransactions.write.successful",
    payload: { id: "push-005", status: "Success", referenceCompany: { id: "c-ünïcødé", name: "Café ☕ Ltd 🏦" } },
  }),
  writeWithoutKey: json({ eventType: "bankTransactions.write.successful", payload: { status: "Success" } }),
  notJson: "accepted: push-001",
};

const sign = (secret, id, ts, body) => new Webhook(secret).sign(id, new Date(ts * 1000), body);
const svix = (id, ts, signature) => ({ "svix-id": id, "svix-timestamp": String(ts), "svix-signature": signature });
const prefixed = (id, ts, signature) => ({ "webhook-id": id, "webhook-timestamp": String(ts), "webhook-signature": signature });

/** What the package says about a delivery at `now` (Unix seconds). */
function reference(secret, headers, body, now) {
  // The package reads only `webhook-` headers; Codat's `svix-` headers carry the same values.
  const asWebhook = {};
  for (const [name, value] of Object.entries(headers)) {
    asWebhook[name.toLowerCase().replace(/^svix-/, "webhook-")] = value;
  }
  const realNow = Date.now;
  Date.now = () => now * 1000;
  try {
    new Webhook(secret).verify(body, asWebhook);
    return "ok";
  } catch (e) {
    // The package's own refusals by their message; anything else (JSON.parse, the base64
    // decoder) by its class, whose message differs between Node versions.
    return e.name === "WebhookVerificationError" ? `refused: ${e.message}` : `refused (${e.name})`;
  } finally {
    Date.now = realNow;
  }
}

const cases = [];
/**
 * One case: `expect` is `{ code }` for a refusal, or what the delivery says for an acceptance.
 * `secret` verifies; the headers were made with whatever the case needs.
 */
function add(name, about, { secret = SECRET, headers, body, now = NOW, expect, stricter }) {
  const c = { name, about, secret, now, tolerance: TOLERANCE, headers, body, expect };
  c.reference = reference(secret, headers, body, now);
  if (stricter) c.stricter = stricter;
  const agrees = (c.reference === "ok") === (expect.code === undefined);
  if (!agrees && !stricter) {
    throw new Error(`${name}: the package says ${c.reference}, the case expects ${JSON.stringify(expect)}`);
  }
  cases.push(c);
}

const accepted = (messageId, ts, kind, eventType, companyId, pushOperation) => {
  const e = { kind, messageId, timestamp: iso(ts), eventType, companyId };
  if (pushOperation) e.pushOperation = pushOperation;
  return e;
};
const push = (key, status, connectionId = CONNECTION) => ({ key, status, dataType: "bankTransactions", connectionId });

// ---- accepted deliveries: every kind of event, both header sets, any header case ----------
{
  const id = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W";
  const body = BODY.writeSuccessful;
  add("valid", "a bankTransactions.write.successful event with svix- headers", {
    headers: svix(id, NOW, sign(SECRET, id, NOW, body)),
    body,
    expect: accepted(id, NOW, "push_operation", "bankTransactions.write.successful", COMPANY, push("push-001", "Success")),
  });
}
{
  const id = "msg_webhook_prefix";
  const body = BODY.writeFailed;
  add("valid_webhook_prefix", "the same headers with the webhook- prefix some accounts get", {
    headers: prefixed(id, NOW - 10, sign(SECRET, id, NOW - 10, body)),
    body,
    expect: accepted(id, NOW - 10, "push_operation", "bankTransactions.write.unsuccessful", COMPANY, push("push-002", "Failed")),
  });
}
{
  const id = "msg_mixed_case";
  const body = BODY.legacyPush;
  const s = sign(SECRET, id, NOW, body);
  add("valid_mixed_case_headers", "header names in any case (the legacy Push Operation Status Changed alert)", {
    headers: { "Svix-Id": id, "SVIX-TIMESTAMP": String(NOW), "Svix-Signature": s },
    body,
    expect: accepted(id, NOW, "push_operation", "Push Operation Status Changed", COMPANY, push("push-004", "Success")),
  });
}
for (const [name, body, kind, eventType, companyId, pushOperation] of [
  ["valid_write_timed_out", BODY.writeTimedOut, "push_operation", "bankTransactions.write.unsuccessful", COMPANY, push("push-003", "TimedOut")],
  ["valid_source_account_connected", BODY.connected, "source_account", "bankFeeds.sourceAccount.connected", COMPANY],
  ["valid_source_account_disconnected", BODY.disconnected, "source_account", "bankFeeds.sourceAccount.disconnected", COMPANY],
  ["valid_rate_limit_reached", BODY.rateReached, "rate_limit", "client.rateLimit.reached", null],
  ["valid_rate_limit_reset", BODY.rateReset, "rate_limit", "client.rateLimit.reset", null],
  ["valid_other_event", BODY.readCompleted, "other", "read.completed", COMPANY],
  ["valid_other_legacy_alert", BODY.legacyConnection, "other", "DataConnectionStatusChanged", COMPANY],
]) {
  const id = `msg_${name}`;
  add(name, `a ${eventType} event`, {
    headers: svix(id, NOW, sign(SECRET, id, NOW, body)),
    body,
    expect: accepted(id, NOW, kind, eventType, companyId, pushOperation),
  });
}
{
  const id = "msg_unicode";
  const body = BODY.unicode;
  add("valid_unicode_body", "a body with text beyond ASCII (signed as UTF-8 bytes)", {
    headers: svix(id, NOW, sign(SECRET, id, NOW, body)),
    body,
    expect: accepted(id, NOW, "push_operation", "bankTransactions.write.successful", "c-ünïcødé", { key: "push-005", status: "Success", dataType: "bankTransactions" }),
  });
}

// ---- key rotation: several v1 signatures, one match is enough --------------------------------
{
  const id = "msg_rotation";
  const body = BODY.writeSuccessful;
  const both = `${sign(OLD_SECRET, id, NOW, body)} ${sign(SECRET, id, NOW, body)}`;
  const expect = accepted(id, NOW, "push_operation", "bankTransactions.write.successful", COMPANY, push("push-001", "Success"));
  add("rotation_new_secret", "signed with the old and the new secret, checked with the new", { headers: svix(id, NOW, both), body, expect });
  add("rotation_old_secret", "the same delivery checked with the old secret", { secret: OLD_SECRET, headers: svix(id, NOW, both), body, expect });
  const neither = `${sign(OLD_SECRET, id, NOW, body)} ${sign(OTHER_SECRET, id, NOW, body)}`;
  add("rotation_neither_secret", "two signatures, neither with the secret checked", { headers: svix(id, NOW, neither), body, expect: { code: "invalid_signature" } });
  const versions = `v1a,${sign(SECRET, id, NOW, body).slice(3)} v2,AAAA ${sign(SECRET, id, NOW, body)}`;
  add("other_signature_versions", "entries of other versions are skipped, the v1 one matches", { headers: svix(id, NOW, versions), body, expect });
}

// ---- refusals --------------------------------------------------------------------------------
{
  const id = "msg_tampered";
  const body = BODY.writeSuccessful;
  const headers = svix(id, NOW, sign(SECRET, id, NOW, body));
  add("altered_body", "the body changed after signing (Success to Failed)", {
    headers,
    body: body.replace('"Success"', '"Failed"'),
    expect: { code: "invalid_signature" },
  });
  add("altered_body_whitespace", "one space added to the signed JSON", { headers, body: body + " ", expect: { code: "invalid_signature" } });
  add("wrong_secret", "signed with another endpoint's secret", {
    headers: svix(id, NOW, sign(OTHER_SECRET, id, NOW, body)),
    body,
    expect: { code: "invalid_signature" },
  });
  add("swapped_id", "another message's id with this message's signature", {
    headers: { ...headers, "svix-id": "msg_another_message" },
    body,
    expect: { code: "invalid_signature" },
  });
  add("swapped_timestamp", "a later timestamp with the signature of the earlier one", {
    headers: { ...headers, "svix-timestamp": String(NOW + 1) },
    body,
    expect: { code: "invalid_signature" },
  });
}
{
  const id = "msg_time";
  const body = BODY.rateReached;
  const at = (ts) => svix(id, ts, sign(SECRET, id, ts, body));
  add("stale", "signed 301 s before now (a replay)", { headers: at(NOW - 301), body, expect: { code: "expired" } });
  add("stale_edge", "signed exactly 300 s before now", {
    headers: at(NOW - 300),
    body,
    expect: accepted(id, NOW - 300, "rate_limit", "client.rateLimit.reached", null),
  });
  add("future", "signed 301 s after now", { headers: at(NOW + 301), body, expect: { code: "expired" } });
  add("future_edge", "signed exactly 300 s after now", {
    headers: at(NOW + 300),
    body,
    expect: accepted(id, NOW + 300, "rate_limit", "client.rateLimit.reached", null),
  });
  add("stale_by_a_day", "a captured delivery replayed a day later", { headers: at(NOW), body, now: NOW + 86400, expect: { code: "expired" } });
}
{
  const id = "msg_headers";
  const body = BODY.writeSuccessful;
  const full = svix(id, NOW, sign(SECRET, id, NOW, body));
  const without = (name) => Object.fromEntries(Object.entries(full).filter(([n]) => n !== name));
  add("missing_signature", "no svix-signature header", { headers: without("svix-signature"), body, expect: { code: "missing_header" } });
  add("missing_id", "no svix-id header", { headers: without("svix-id"), body, expect: { code: "missing_header" } });
  add("missing_timestamp", "no svix-timestamp header", { headers: without("svix-timestamp"), body, expect: { code: "missing_header" } });
  add("empty_signature", "an empty svix-signature header", { headers: { ...full, "svix-signature": "" }, body, expect: { code: "missing_header" } });
  add("no_headers", "none of the headers (a request that is not a webhook)", { headers: { "content-type": "application/json" }, body, expect: { code: "missing_header" } });
  add("invalid_timestamp", "a timestamp that is not a number", { headers: { ...full, "svix-timestamp": "soon" }, body, expect: { code: "invalid_timestamp" } });
  add("timestamp_with_suffix", "digits followed by other text", {
    headers: svix(id, `${NOW}s`, sign(SECRET, id, NOW, body)),
    body,
    expect: { code: "invalid_timestamp" },
    stricter:
      "the package reads the header with parseInt, which stops at the first non-digit, and accepts it; bankfeeds signs over the header as received and takes only whole seconds in digits",
  });
}
{
  const id = "msg_secret";
  const body = BODY.writeSuccessful;
  add("invalid_secret", "a secret that is not base64 after whsec_", {
    secret: "whsec_***not-base64***",
    headers: svix(id, NOW, sign(SECRET, id, NOW, body)),
    body,
    expect: { code: "invalid_secret" },
  });
}
{
  const id = "msg_body";
  add("invalid_body", "a correctly signed body that is not JSON", {
    headers: svix(id, NOW, sign(SECRET, id, NOW, BODY.notJson)),
    body: BODY.notJson,
    expect: { code: "invalid_body" },
  });
  add("write_event_without_key", "a correctly signed write event without its push operation key", {
    headers: svix(id, NOW, sign(SECRET, id, NOW, BODY.writeWithoutKey)),
    body: BODY.writeWithoutKey,
    expect: { code: "invalid_body" },
    stricter:
      "the package checks the signature and parses JSON only; bankfeeds also reads the event, and a write event that does not say which push operation ended cannot be handled",
  });
}

const text =
  JSON.stringify(
    {
      about:
        "Webhook deliveries signed by the npm package standardwebhooks (independent of bankfeeds), with the verdict every bankfeeds front end must give. Generated by core/tests/webhooks/generate.mjs: do not edit by hand.",
      generator: `standardwebhooks ${requireTools("standardwebhooks/package.json").version}`,
      cases,
    },
    null,
    2,
  ) + "\n";

const arg = process.argv[2];
if (arg === "-") {
  process.stdout.write(text);
} else if (arg === "--check") {
  let committed = "";
  try {
    committed = readFileSync(out, "utf8");
  } catch {}
  if (committed !== text) {
    console.error(`${out} is not what the generator writes: run node core/tests/webhooks/generate.mjs`);
    process.exit(1);
  }
  console.log(`${out}: ${cases.length} cases, as standardwebhooks signs them`);
} else {
  writeFileSync(out, text);
  console.log(`wrote ${cases.length} cases to ${out}`);
}
