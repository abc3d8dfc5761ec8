// Shared by the tests: the built package (bindings-wasm/pkg, nodejs build, loaded through its
// package.json as a user's `import "bankfeeds-wasm"` would be) and the shared fixtures.
import { createRequire } from "node:module";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
export const crateDir = resolve(here, "..");
export const repoRoot = resolve(crateDir, "..");
export const pkgDir = process.env.BANKFEEDS_WASM_PKG ?? join(crateDir, "pkg");

const require = createRequire(import.meta.url);
/** The package, as `require("bankfeeds-wasm")` gives it. */
export const bf = require(pkgDir);

/** Codat's documentation fixtures: `$BANKFEEDS_SHARED/fixtures/codat-docs`, else the shared folder
 * beside the repository (`../shared`), which a user's clone does not have. */
export const fixturesDir = join(
  process.env.BANKFEEDS_SHARED ?? resolve(repoRoot, "..", "shared"),
  "fixtures",
  "codat-docs",
);

/** `false` when the fixtures are there; otherwise why the tests that read them are skipped (the
 * `skip` option of `node:test`, which prints it). */
export const noFixtures = existsSync(fixturesDir)
  ? false
  : `Codat's fixtures are not at ${fixturesDir}: set BANKFEEDS_SHARED to the shared folder to run this test`;

/** A Codat documentation fixture (`fixturesDir/NAME`), as text. */
export function fixture(name) {
  return readFileSync(join(fixturesDir, name), "utf8");
}

/** Options for a GBP Xero account, checked on a fixed day. */
export const xeroGbp = Object.freeze({
  platform: "xero",
  today: "2024-06-01",
  currency: "GBP",
});

/** The issues of a report with a given code. */
export const withCode = (report, code) => report.issues.filter((i) => i.code === code);

/** Calls `f` and returns what it threw (fails when it throws nothing). */
export function thrown(f) {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error("expected an error, but nothing was thrown");
}
