// Peak memory of Node validating one CSV or JSON file two ways, each in a fresh process:
// validateStream() over the file as a Blob (read chunk by chunk), and validate() of its whole
// text. Prints each process's peak resident set (process.resourceUsage().maxRSS), how long the
// check took (wall) and the process's CPU time (user + system). Not a test: run it by hand after
// bindings-wasm/scripts/build.sh. `json` writes the same rows as a push body
// {"accountId": ..., "transactions": [...]}, one row a line, without spaces or transaction
// types (so that 1,000,000 rows stay under the 128 MiB validate(text) takes).
//
//   node bindings-wasm/bench/stream-memory.mjs [rows] [csv|json]
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
  const usage = process.resourceUsage();
  const cpuMs = (usage.userCPUTime + usage.systemCPUTime) / 1000;
  console.log(JSON.stringify({ mode, ms, cpuMs, issues: report.issues.length, maxRssKb: usage.maxRSS }));
} else {
  const n = Number(process.argv[2] ?? 1_000_000);
  const format = process.argv[3] ?? "csv";
  if (format !== "csv" && format !== "json") {
    throw new Error(`the format is csv or json, not ${format}`);
  }
  // A Xero account's statement, as in bench/validate.mjs: a running balance, ids like UUIDs.
  const lines = format === "csv" ? ["id,date,description,amount,balance,transactionType"] : [];
  let cents = 1_000_000;
  const start = Date.UTC(2024, 0, 1);
  for (let i = 0; i < n; i++) {
    const amount = ((i * 7919) % 200_001) - 100_000;
    cents += amount;
    const id = `${((i * 2654435761) >>> 0).toString(16).padStart(8, "0")}-${i}`;
    const date = new Date(start + i * 20_000).toISOString().slice(0, 19);
    const [description, money, balance, type] = [`Card payment ${i % 977}`, (amount / 100).toFixed(2), (cents / 100).toFixed(2), amount < 0 ? "Debit" : "Credit"];
    lines.push(
      format === "csv"
        ? `${id},${date},${description},${money},${balance},${type}`
        : `{"id":"${id}","date":"${date}","description":"${description}","amount":${money},"balance":${balance}}`,
    );
  }
  const path = join(tmpdir(), `bankfeeds-stream-memory-${process.pid}.${format}`);
  writeFileSync(path, format === "csv" ? lines.join("\n") + "\n" : `{"accountId":"acc-1","transactions":[\n${lines.join(",\n")}\n]}\n`);
  lines.length = 0;
  try {
    const empty = spawnSync(process.execPath, ["-e", "console.log(process.resourceUsage().maxRSS)"], { encoding: "utf8" });
    console.log(`${n} rows of ${format}, ${readFileSync(path).length} bytes; a bare Node process peaks at ${Math.round(empty.stdout / 1024)} MB`);
    for (const mode of ["stream", "whole"]) {
      const run = spawnSync(process.execPath, [self, "--child", mode, path], { encoding: "utf8" });
      if (run.status !== 0) {
        throw new Error(run.stderr);
      }
      const r = JSON.parse(run.stdout);
      const what = mode === "stream" ? "validateStream(blob)" : "validate(text)      ";
      console.log(`${what}: peak RSS ${Math.round(r.maxRssKb / 1024)} MB, ${Math.round(r.ms)} ms wall, ${Math.round(r.cpuMs)} ms CPU, ${r.issues} findings`);
    }
  } finally {
    rmSync(path, { force: true });
  }
}
