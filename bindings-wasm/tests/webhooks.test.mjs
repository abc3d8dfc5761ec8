// verifyWebhook(): Codat's webhook deliveries checked by the core, in the Node build only. Every
// delivery of core/tests/webhooks/vectors.json (signed by the npm package standardwebhooks, an
// implementation independent of ours) gets the verdict and code the file expects, with the
// headers and body in every shape a Node server has them: a plain object and text, a Headers
// instance and a Uint8Array, and a real request's IncomingHttpHeaders and Buffer.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";

import { bf, pkgDir, repoRoot, thrown } from "./support.mjs";

const vectorsPath = join(repoRoot, "core", "tests", "webhooks", "vectors.json");
const { cases } = JSON.parse(readFileSync(vectorsPath, "utf8"));

/** What verifyWebhook makes of a case, in the file's terms: `{ code }` or the summary. */
function verdict(c, headers, body) {
  try {
    const d = bf.verifyWebhook(c.secret, headers, body, { tolerance: c.tolerance, now: new Date(c.now * 1000) });
    assert.deepEqual(d.body, JSON.parse(c.body), `${c.name}: body`);
    const out = { kind: d.kind, messageId: d.messageId, timestamp: d.timestamp, eventType: d.eventType, companyId: d.companyId };
    if (d.pushOperation !== null) out.pushOperation = d.pushOperation;
    return out;
  } catch (e) {
    if (!(e instanceof bf.WebhookError)) throw e;
    return { code: e.code };
  }
}

test("every vector: headers as a plain object, the body as text", () => {
  assert.ok(cases.length >= 30);
  for (const c of cases) {
    assert.deepEqual(verdict(c, c.headers, c.body), c.expect, c.name);
  }
});

test("every vector: a Headers instance, a Map and pairs; the body as a Uint8Array or ArrayBuffer", () => {
  for (const c of cases) {
    const bytes = new TextEncoder().encode(c.body);
    assert.deepEqual(verdict(c, new Headers(c.headers), bytes), c.expect, `${c.name} (Headers)`);
    assert.deepEqual(verdict(c, new Map(Object.entries(c.headers)), bytes.buffer), c.expect, `${c.name} (Map)`);
    assert.deepEqual(verdict(c, Object.entries(c.headers), Buffer.from(bytes)), c.expect, `${c.name} (pairs)`);
  }
});

test("every vector: a real request's IncomingHttpHeaders and Buffer body", async () => {
  const seen = new Map();
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (chunk) => chunks.push(chunk));
    req.on("end", () => {
      const c = cases[Number(req.url.slice(1))];
      const got = verdict(c, req.headers, Buffer.concat(chunks));
      seen.set(c.name, got);
      // A receiver's answer: 2xx, or the refusal's status.
      let status = 204;
      try {
        bf.verifyWebhook(c.secret, req.headers, Buffer.concat(chunks), { now: c.now * 1000 });
      } catch (e) {
        status = e.status;
      }
      res.writeHead(status).end();
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const base = `http://127.0.0.1:${server.address().port}`;
    for (const [i, c] of cases.entries()) {
      const res = await fetch(`${base}/${i}`, { method: "POST", headers: c.headers, body: c.body });
      const refused = c.expect.code;
      const want = refused === undefined ? 204 : { missing_header: 400, invalid_timestamp: 400, invalid_body: 400, expired: 401, invalid_signature: 401, invalid_secret: 500 }[refused];
      assert.equal(res.status, want, `${c.name}: HTTP status`);
      assert.deepEqual(seen.get(c.name), c.expect, `${c.name} (IncomingHttpHeaders)`);
    }
  } finally {
    server.close();
  }
});

test("a refusal is a WebhookError, a BankFeedsError, and never shows the secret", () => {
  const c = cases.find((x) => x.name === "wrong_secret");
  const e = thrown(() => bf.verifyWebhook(c.secret, c.headers, c.body, { now: c.now * 1000 }));
  assert.ok(e instanceof bf.WebhookError && e instanceof bf.BankFeedsError && e instanceof Error);
  assert.equal(e.name, "WebhookError");
  assert.equal(e.code, "invalid_signature");
  assert.equal(e.status, 401);
  assert.ok(e.stack.includes("WebhookError"));
  for (const secret of [c.secret, c.secret.slice(6)]) {
    assert.ok(!e.message.includes(secret) && !e.stack.includes(secret));
  }
  const bad = thrown(() => bf.verifyWebhook("whsec_***", c.headers, c.body));
  assert.equal(bad.code, "invalid_secret");
  assert.equal(bad.status, 500);
  assert.ok(!bad.message.includes("***"), bad.message);
  const missing = thrown(() => bf.verifyWebhook(undefined, c.headers, c.body));
  assert.equal(missing.code, "invalid_secret");
  assert.match(missing.message, /undefined/);
});

test("the tolerance and the clock", () => {
  const c = cases.find((x) => x.name === "valid");
  const at = (now, tolerance) => {
    try {
      return bf.verifyWebhook(c.secret, c.headers, c.body, { now, tolerance }).messageId;
    } catch (e) {
      return e.code;
    }
  };
  assert.equal(at(new Date((c.now + 300) * 1000)), c.expect.messageId);
  assert.equal(at((c.now + 301) * 1000), "expired");
  assert.equal(at((c.now + 301) * 1000, 301), c.expect.messageId);
  assert.equal(at((c.now - 61) * 1000, 60), "expired");
  assert.equal(at((c.now + 1) * 1000, 0), "expired");
  // Without `now`, the machine's clock: a delivery of 2024 is long expired.
  assert.equal(thrown(() => bf.verifyWebhook(c.secret, c.headers, c.body)).code, "expired");
});

test("arguments it cannot use are BankFeedsErrors naming them, not refusals", () => {
  const c = cases.find((x) => x.name === "valid");
  const usage = (f) => {
    const e = thrown(f);
    assert.ok(e instanceof bf.BankFeedsError && !(e instanceof bf.WebhookError), String(e));
    return [e.code, e.field];
  };
  assert.deepEqual(usage(() => bf.verifyWebhook(c.secret, c.headers, JSON.parse(c.body))), ["invalid_argument", "body"]);
  assert.deepEqual(usage(() => bf.verifyWebhook(c.secret, c.headers)), ["invalid_argument", "body"]);
  assert.deepEqual(usage(() => bf.verifyWebhook(c.secret, "svix-id: x", c.body)), ["invalid_argument", "headers"]);
  assert.deepEqual(usage(() => bf.verifyWebhook(c.secret, undefined, c.body)), ["invalid_argument", "headers"]);
  assert.deepEqual(usage(() => bf.verifyWebhook(c.secret, [["svix-id"]], c.body)), ["invalid_argument", "headers"]);
  assert.deepEqual(usage(() => bf.verifyWebhook(c.secret, [1, 2], c.body)), ["invalid_argument", "headers"]);
  assert.deepEqual(usage(() => bf.verifyWebhook(c.secret, { "svix-id": 5 }, c.body)), ["invalid_argument", "headers"]);
  assert.deepEqual(usage(() => bf.verifyWebhook(c.secret, c.headers, "\uD800")), ["invalid_argument", "body"]);
  assert.deepEqual(usage(() => bf.verifyWebhook(c.secret, c.headers, c.body, { tolerence: 300 })), ["invalid_option", "tolerence"]);
  assert.deepEqual(usage(() => bf.verifyWebhook(c.secret, c.headers, c.body, { tolerance: -1 })), ["invalid_option", "tolerance"]);
  assert.deepEqual(usage(() => bf.verifyWebhook(c.secret, c.headers, c.body, { tolerance: 1.5 })), ["invalid_option", "tolerance"]);
  assert.deepEqual(usage(() => bf.verifyWebhook(c.secret, c.headers, c.body, { now: "today" })), ["invalid_option", "now"]);
  assert.deepEqual(usage(() => bf.verifyWebhook(c.secret, c.headers, c.body, { now: new Date("x") })), ["invalid_option", "now"]);
  assert.deepEqual(usage(() => bf.verifyWebhook(c.secret, c.headers, c.body, 300)), ["invalid_argument", "options"]);
});

test("a header given twice: Node's list, its values joined as one signature list", () => {
  const c = cases.find((x) => x.name === "rotation_new_secret");
  const [first, second] = c.headers["svix-signature"].split(" ");
  const headers = { ...c.headers, "svix-signature": [first, second] };
  assert.equal(bf.verifyWebhook(c.secret, headers, c.body, { now: c.now * 1000 }).kind, "push_operation");
});

test("the browser build has no webhook check: no export, no types, none of its code", async () => {
  assert.equal(typeof bf.verifyWebhook, "function");
  assert.equal(typeof bf.WebhookError, "function");
  const web = await import(join(pkgDir, "web", "bankfeeds_wasm.js"));
  assert.ok(!("verifyWebhook" in web) && !("WebhookError" in web), Object.keys(web).join(", "));
  assert.equal(typeof web.validate, "function");
  const dts = readFileSync(join(pkgDir, "web", "bankfeeds_wasm.d.ts"), "utf8");
  assert.ok(!/verifyWebhook|WebhookError|WebhookDelivery/.test(dts));
  // The core's webhook messages are compiled into the Node module only.
  const marker = "webhook signing secret is not `whsec_`";
  assert.ok(readFileSync(join(pkgDir, "node", "bankfeeds_wasm_bg.wasm")).includes(marker));
  assert.ok(!readFileSync(join(pkgDir, "web", "bankfeeds_wasm_bg.wasm")).includes(marker));
  const pkg = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));
  assert.equal(pkg.exports["./web"].default, "./web/bankfeeds_wasm.js");
});

test("the committed vectors are what standardwebhooks signs (core/tests/webhooks/generate.mjs --check)", (t) => {
  if (!existsSync(join(repoRoot, "tools", "node_modules", "standardwebhooks", "package.json"))) {
    t.skip("needs the npm package standardwebhooks in tools/node_modules: run scripts/bootstrap.sh");
    return;
  }
  const run = spawnSync(process.execPath, [join(repoRoot, "core", "tests", "webhooks", "generate.mjs"), "--check"], { encoding: "utf8" });
  assert.equal(run.status, 0, run.stdout + run.stderr);
});
