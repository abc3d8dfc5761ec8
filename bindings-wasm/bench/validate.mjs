// How long validate() takes on 100,000 transactions in Node, through the built nodejs package
// (bindings-wasm/pkg). Prints the median and the fastest of several runs; the target is under
// 100 ms for validate(rows). Not a test: run it by hand after bindings-wasm/scripts/build.sh.
//
//   node bindings-wasm/bench/validate.mjs [rows] [runs]
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const bf = createRequire(import.meta.url)(process.env.BANKFEEDS_WASM_PKG ?? join(here, "..", "pkg"));

const n = Number(process.argv[2] ?? 100_000);
const runs = Number(process.argv[3] ?? 15);

// A Xero account's statement: amounts in and out to the cent, a running balance, ids like UUIDs,
// a description on every row; all valid, so the clean path is what is measured.
const rows = [];
let cents = 1_000_000;
const start = Date.UTC(2024, 0, 1);
for (let i = 0; i < n; i++) {
  const amount = ((i * 7919) % 200_001) - 100_000;
  cents += amount;
  rows.push({
    id: `${(i * 2654435761 >>> 0).toString(16).padStart(8, "0")}-${i}`,
    date: new Date(start + i * 20_000).toISOString().slice(0, 19),
    description: `Card payment ${i % 977}`,
    amount: (amount / 100).toFixed(2),
    balance: (cents / 100).toFixed(2),
    transactionType: amount < 0 ? "Debit" : "Credit",
  });
}
// Rows as they arrive from a file or an API: through JSON.parse.
const text = JSON.stringify(rows);
const parsed = JSON.parse(text);
const csv = ["id,date,description,amount,balance,transactionType"]
  .concat(parsed.map((r) => [r.id, r.date, r.description, r.amount, r.balance, r.transactionType].join(",")))
  .join("\n");
const options = { platform: "xero", today: "2024-12-31", currency: "USD" };

function measure(name, f) {
  f(); // warm-up (compiles, grows memory)
  const times = [];
  let result;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    result = f();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  console.log(
    `${name.padEnd(28)} median ${median.toFixed(1).padStart(7)} ms   fastest ${times[0].toFixed(1).padStart(7)} ms   (${runs} runs)`,
  );
  return result;
}

console.log(`bankfeeds-wasm: ${n.toLocaleString("en")} transactions, Node ${process.version}`);
const report = measure("validate(rows)", () => bf.validate(parsed, options));
if (!report.valid) throw new Error(`the benchmark's rows should be valid: ${JSON.stringify(report.issues[0])}`);
measure("validate(csv text)", () => bf.validate(csv, options));
measure("validate(json text)", () => bf.validate(text, options));
measure("normalise(rows)", () => bf.normalise(parsed, options));
// The same rows with every other balance one cent out: a finding on each row but the first (the
// row whose balance is out, and the row after it), so the cost of 100,000 findings shows.
const broken = parsed.map((r, i) => (i % 2 === 0 ? r : { ...r, balance: (Math.round(Number(r.balance) * 100) + 1) / 100 + "" }));
const findings = measure("validate(rows), all broken", () => bf.validate(broken, options));
if (findings.issues.length !== n - 1) throw new Error(`expected ${n - 1} findings, got ${findings.issues.length}`);
console.log("target: validate(rows) under 100 ms");
