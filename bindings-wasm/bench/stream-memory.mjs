// Peak memory of Node validating one CSV file two ways, each in a fresh process: validateStream()
// over the file as a Blob (read chunk by chunk), and validate() of its whole text. Prints each
// process's peak resident set (process.resourceUsage().maxRSS) and how long the check took. Not
// a test: run it by hand after bindings-wasm/scripts/build.sh.
//
//   node bindings-wasm/bench/stream-memory.mjs [rows]
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { openAsBlob, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const self = fileURLToPath(import.meta.url);

if (process.argv[2] === "--child") {
  const [mode, path] = process.argv.slice(3);
  const bf = createRequire(import.meta.url)(process.env.BANKFEEDS_WASM_PKG ?? join(here, "..", "pkg"));
  const options = { platform: "xero", today: "2024-12-01", currency: "GBP" };
  const t0 = performance.now();
  const report =
    mode === "stream" ? await bf.validateStream(await openAsBlob(path), options) : bf.validate(readFileSync(path, "utf8"), options);
  const ms = performance.now() - t0;
  console.log(JSON.stringify({ mode, ms, issues: report.issues.length, maxRssKb: process.resourceUsage().maxRSS }));
} else {
  const n = Number(process.argv[2] ?? 1_000_000);
  // A Xero account's statement, as in bench/validate.mjs: a running balance, ids like UUIDs.
  const lines = ["id,date,description,amount,balance,transactionType"];
  let cents = 1_000_000;
  const start = Date.UTC(2024, 0, 1);
  for (let i = 0; i < n; i++) {
    const amount = ((i * 7919) % 200_001) - 100_000;
    cents += amount;
    const id = `${((i * 2654435761) >>> 0).toString(16).padStart(8, "0")}-${i}`;
    const date = new Date(start + i * 20_000).toISOString().slice(0, 19);
    lines.push(`${id},${date},Card payment ${i % 977},${(amount / 100).toFixed(2)},${(cents / 100).toFixed(2)},${amount < 0 ? "Debit" : "Credit"}`);
  }
  const path = join(tmpdir(), `bankfeeds-stream-memory-${process.pid}.csv`);
  writeFileSync(path, lines.join("\n") + "\n");
  lines.length = 0;
  try {
    const empty = spawnSync(process.execPath, ["-e", "console.log(process.resourceUsage().maxRSS)"], { encoding: "utf8" });
    console.log(`${n} rows, ${readFileSync(path).length} bytes; a bare Node process peaks at ${Math.round(empty.stdout / 1024)} MB`);
    for (const mode of ["stream", "whole"]) {
      const run = spawnSync(process.execPath, [self, "--child", mode, path], { encoding: "utf8" });
      if (run.status !== 0) {
        throw new Error(run.stderr);
      }
      const r = JSON.parse(run.stdout);
      const what = mode === "stream" ? "validateStream(blob)" : "validate(text)      ";
      console.log(`${what}: peak RSS ${Math.round(r.maxRssKb / 1024)} MB, ${Math.round(r.ms)} ms, ${r.issues} findings`);
    }
  } finally {
    rmSync(path, { force: true });
  }
}
