// End to end: the example page in headless Chromium (Debian's /usr/bin/chromium driven by
// playwright-core from tools/), served by server.mjs on 127.0.0.1. A user pastes a CSV with
// errors and sees them row by row with the corrected balances; drops a JSON file; gives a closing
// balance that is not a number. The screenshot is kept in target/artifacts/web-example.png.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { serve } from "./server.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "..", "..");
// Codat's documentation fixtures: in the shared folder beside the repository (or
// $BANKFEEDS_SHARED), which a user's clone does not have; the test that drops one is then skipped.
const fixtures = join(process.env.BANKFEEDS_SHARED ?? resolve(root, "..", "shared"), "fixtures", "codat-docs");
const noFixtures = existsSync(fixtures)
  ? false
  : `Codat's fixtures are not at ${fixtures}: set BANKFEEDS_SHARED to the shared folder to run this test`;
const artifacts = process.env.BANKFEEDS_ARTIFACTS ?? join(root, "target", "artifacts");
const { chromium } = createRequire(join(root, "tools", "package.json"))("playwright-core");

const csvWithErrors = [
  "id,date,description,amount,balance",
  "t1,2024-05-01,Salary,2500.00,2500.00",
  "t2,2024-05-02,Coffee,-3.20,2496.80",
  "t3,2024-02-30,Books,-17.54,2479.26",
  "t4,2024-05-04,Rent,12.3.4,1000.00",
  "t5,2024-05-05,Refund,20.00,9999.99",
].join("\n");

let server;
let url;
let context;
let page;
let profileDir;
const problems = [];
let pageError;

before(async () => {
  ({ server, url } = await serve());
  profileDir = mkdtempSync(join(tmpdir(), "bankfeeds-chromium-"));
  context = await chromium.launchPersistentContext(profileDir, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-quic",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
  page = context.pages()[0] ?? (await context.newPage());
  // A crash in the page (a WebAssembly trap, a module that fails to load) fails the wait at once.
  pageError = new Promise((_, reject) => {
    page.on("pageerror", (e) => reject(new Error(`error in the page: ${e.message}`)));
  });
  pageError.catch(() => {});
  page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
  page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on("response", (r) => r.status() >= 400 && problems.push(`HTTP ${r.status()}: ${r.url()}`));
});

after(async () => {
  await context?.close();
  server?.close();
  if (profileDir) rmSync(profileDir, { recursive: true, force: true });
});

/** Waits for `promise`, failing at once if the page throws meanwhile. */
const orPageError = (promise) => Promise.race([promise, pageError]);

/** Fills the form, presses Check, waits for the answer; returns the table as cell texts. */
async function check(fields) {
  const before = Number((await page.getAttribute("body", "data-checked")) ?? 0);
  for (const [id, value] of Object.entries(fields)) {
    if (id === "platform") await page.selectOption("#platform", value);
    else await page.fill(`#${id}`, value);
  }
  await page.click("#check");
  await orPageError(page.waitForSelector(`body[data-checked="${before + 1}"]`, { timeout: 15_000 }));
  return table();
}

function table() {
  return page.$$eval("#rows tbody tr", (trs) =>
    trs.map((tr) => {
      const cells = [...tr.cells].map((td) => td.textContent.trim());
      const computed = tr.cells[5];
      return {
        className: tr.className,
        row: cells[0],
        id: cells[1],
        date: cells[2],
        amount: cells[3],
        given: cells[4],
        computed: cells[5],
        corrected: computed.classList.contains("corrected") ? computed.title : null,
        codes: [...tr.cells[6].querySelectorAll("code")].map((c) => c.textContent),
        issues: cells[6],
      };
    }),
  );
}

test("the page loads the module and lists the platforms", async () => {
  const response = await page.goto(url);
  assert.equal(response.status(), 200);
  await orPageError(page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 }));
  const options = await page.$$eval("#platform option", (os) => os.map((o) => o.value));
  assert.deepEqual(options, ["generic", "xero", "qbo", "freeagent", "sage", "netsuite", "exact"]);
  assert.match(await page.inputValue("#today"), /^\d{4}-\d{2}-\d{2}$/);
});

test("a pasted CSV shows each row's errors and the corrected balances", async () => {
  const rows = await check({
    platform: "xero",
    currency: "GBP",
    closing: "2516.80",
    today: "2024-06-01",
    text: csvWithErrors,
  });
  assert.deepEqual(
    rows.map((r) => [r.row, r.id, r.date, r.amount, r.given, r.computed]),
    [
      ["0", "t1", "2024-05-01", "2500.00", "2500.00", "2500.00"],
      ["1", "t2", "2024-05-02", "-3.20", "2496.80", "2496.80"],
      ["2", "t3", "2024-02-30", "-17.54", "2479.26", "—"],
      ["3", "t4", "2024-05-04", "12.3.4", "1000.00", "—"],
      ["4", "t5", "2024-05-05", "20.00", "9999.99", "2516.80"],
    ],
  );
  assert.deepEqual(rows.map((r) => r.className), ["ok", "ok", "error", "error", "ok"]);
  assert.deepEqual(rows[2].codes, ["invalid_date"]);
  assert.match(rows[2].issues, /February 2024 has no day 30/);
  assert.deepEqual(rows[3].codes, ["invalid_number"]);
  assert.match(rows[3].issues, /`12\.3\.4` is not a decimal number/);
  assert.deepEqual(rows[4].codes, ["balance_replaced"]);
  assert.equal(rows[4].corrected, "was 9999.99");
  assert.match(rows[4].issues, /\(9999\.99 → 2516\.80\)/);
  const status = await page.textContent("#summary .status");
  assert.equal(status, "5 row(s) read · 2 error(s) · 0 warning(s) · not ready to push: fix the errors below");
  assert.match(await page.textContent("#summary"), /3 balance\(s\) computed from the closing balance 2516\.80; the opening balance is 0\.00/);
  mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: join(artifacts, "web-example.png"), fullPage: true });
});

test("a dropped JSON file: the Xero guide's broken chain, found to the cent", { skip: noFixtures }, async () => {
  const json = readFileSync(join(fixtures, "xero.push-bank-transactions.request.json"), "utf8");
  await page.fill("#closing", "");
  await page.fill("#today", "2022-09-01");
  const before = Number((await page.getAttribute("body", "data-checked")) ?? 0);
  const dataTransfer = await page.evaluateHandle((text) => {
    const dt = new DataTransfer();
    dt.items.add(new File([text], "push.json", { type: "application/json" }));
    return dt;
  }, json);
  await page.dispatchEvent("#drop", "drop", { dataTransfer });
  await orPageError(page.waitForSelector(`body[data-checked="${before + 1}"]`, { timeout: 15_000 }));
  assert.equal(await page.inputValue("#text"), json);
  const rows = await table();
  assert.deepEqual(
    rows.map((r) => [r.id, r.amount, r.given, r.computed, r.codes.join(" ")]),
    [
      ["7832323211-GIF", "-450", "2000", "2000", ""],
      ["7832323211-SDC", "-730", "2730", "2730", "balance_mismatch"],
    ],
  );
  assert.match(rows[1].issues, /balance is 2730 but the previous balance 2000 plus the amount -730 makes 1270 \(off by 1460\)/);
  await page.screenshot({ path: join(artifacts, "web-example-xero.png"), fullPage: true });
});

test("a closing balance that is not a number is said, not thrown", async () => {
  await check({ closing: "12,30" });
  const alert = await page.textContent("#summary [role=alert]");
  assert.equal(alert, "closingBalance: closingBalance is not an exact amount: `12,30` is not a decimal number");
  assert.equal(await page.isHidden("#rows"), true);
});

test("nothing failed to load and nothing was logged as an error", () => {
  assert.deepEqual(problems, []);
});
