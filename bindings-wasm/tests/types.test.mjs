// The TypeScript definitions: tests/types/usage.ts uses every export and type under `strict`, and
// its `@ts-expect-error` lines must each be an error, so the types are checked both ways.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

import { crateDir, repoRoot } from "./support.mjs";

test("tsc --noEmit accepts the typed usage and refuses the misuses", () => {
  const tsc = join(repoRoot, "tools", "node_modules", ".bin", "tsc");
  assert.ok(existsSync(tsc), `${tsc} is missing: run scripts/bootstrap.sh (typescript is a devDependency of tools/)`);
  const run = spawnSync(tsc, ["--noEmit", "-p", join(crateDir, "tests", "types", "tsconfig.json")], {
    encoding: "utf8",
  });
  assert.equal(run.status, 0, `tsc failed:\n${run.stdout}${run.stderr}`);
});
