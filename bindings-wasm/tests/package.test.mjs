// The package as npm users get it: `import` and `require` of "bankfeeds-wasm" in Node, and the
// "bankfeeds-wasm/web" build (the one browsers load) initialised from its .wasm bytes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { pkgDir } from "./support.mjs";

test("package.json names the builds and the README says the package is no API client", () => {
  const pkg = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));
  assert.equal(pkg.name, "bankfeeds-wasm");
  assert.equal(pkg.exports["."].default, "./node/bankfeeds_wasm.js");
  assert.equal(pkg.exports["./web"].types, "./web/bankfeeds_wasm.d.ts");
  const readme = readFileSync(join(pkgDir, "README.md"), "utf8");
  assert.match(readme, /not an API client/);
  assert.match(readme, /Codat API key must never reach a\s+(> )?browser/);
});

test("import and require by name, and the web build initialised in Node", () => {
  const dir = mkdtempSync(join(tmpdir(), "bankfeeds-wasm-user-"));
  try {
    mkdirSync(join(dir, "node_modules"));
    symlinkSync(pkgDir, join(dir, "node_modules", "bankfeeds-wasm"), "dir");
    writeFileSync(
      join(dir, "esm.mjs"),
      `import { validate, BankFeedsError } from "bankfeeds-wasm";
import init, * as web from "bankfeeds-wasm/web";
import { readFile } from "node:fs/promises";
const rows = [{ id: "a", date: "2024-05-01", amount: "1.00" }];
const wasm = await readFile(new URL(import.meta.resolve("bankfeeds-wasm/web/bankfeeds_wasm_bg.wasm")));
await init({ module_or_path: wasm });
let thrown;
try { web.validate(7); } catch (e) { thrown = e instanceof web.BankFeedsError && e.code; }
console.log(JSON.stringify([validate(rows, { today: "2024-06-01" }).valid, typeof BankFeedsError, web.validate(rows, { today: "2024-06-01" }).valid, thrown]));
`,
    );
    writeFileSync(
      join(dir, "cjs.cjs"),
      `const { verifyChain } = require("bankfeeds-wasm");
console.log(JSON.stringify(verifyChain([{ id: "a", date: "2024-05-01", amount: "1.00", balance: "1.00" }]).intact));
`,
    );
    const esm = spawnSync(process.execPath, ["esm.mjs"], { cwd: dir, encoding: "utf8" });
    assert.equal(esm.status, 0, esm.stderr);
    assert.deepEqual(JSON.parse(esm.stdout), [true, "function", true, "invalid_argument"]);
    const cjs = spawnSync(process.execPath, ["cjs.cjs"], { cwd: dir, encoding: "utf8" });
    assert.equal(cjs.status, 0, cjs.stderr);
    assert.equal(cjs.stdout.trim(), "true");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
