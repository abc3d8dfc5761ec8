// The example page: reads a file, asks bankfeeds (WebAssembly, in this page) to normalise and
// check it, and shows each row with its findings and its computed balance. All the rules are in
// the module; this file only reads the form and draws the table.
import init, { parseFile, platforms, prepare } from "./pkg/bankfeeds_wasm.js";

const $ = (id) => document.getElementById(id);

/** An element with text (never HTML: file contents are shown as text). */
function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

function options() {
  const value = (id) => $(id).value.trim();
  return {
    platform: value("platform"),
    today: value("today") || new Date().toLocaleDateString("en-CA"), // the user's local date
    currency: value("currency") || undefined,
    closingBalance: value("closing") || undefined, // money stays a string
  };
}

function check() {
  const text = $("text").value;
  const summary = $("summary");
  summary.replaceChildren();
  if (!text.trim()) {
    $("rows").hidden = true;
    return;
  }
  let parsed;
  let result;
  try {
    parsed = parseFile(text);
    result = prepare(text, options());
  } catch (e) {
    // A BankFeedsError: an option the module cannot use (a closing balance that is not a number...).
    summary.append(el("p", `${e.field ? `${e.field}: ` : ""}${e.message}`, "alert error"));
    summary.lastChild.setAttribute("role", "alert");
    $("rows").hidden = true;
    document.body.dataset.checked = String(Number(document.body.dataset.checked ?? 0) + 1);
    return;
  }
  render(parsed, result);
  document.body.dataset.checked = String(Number(document.body.dataset.checked ?? 0) + 1);
}

function render(parsed, result) {
  const { report, changes, transactions, sourceRows } = result;
  const byRow = new Map();
  const note = (row, item) => {
    if (!byRow.has(row)) byRow.set(row, []);
    byRow.get(row).push(item);
  };
  const general = [];
  for (const issue of report.issues) {
    if (issue.row === undefined) general.push(issue);
    else note(issue.row, { kind: issue.severity, code: issue.code, message: issue.message });
  }
  const replaced = new Map();
  const notes = [];
  for (const change of changes) {
    if (change.row === undefined) {
      notes.push(change.message);
      continue;
    }
    if (change.kind === "balance_replaced") replaced.set(change.row, change.before);
    const values = change.before !== undefined || change.after !== undefined ? ` (${change.before ?? "—"} → ${change.after ?? "—"})` : "";
    note(change.row, { kind: "change", code: change.kind, message: `${change.message}${values}` });
  }
  const computed = new Map(sourceRows.map((row, i) => [row, transactions[i]]));

  // The summary: counts, and findings about the file or the account rather than one row.
  const summary = $("summary");
  const ready = report.valid
    ? `ready to push in ${result.batches.length} batch(es)`
    : "not ready to push: fix the errors below";
  summary.append(
    el(
      "p",
      `${result.rowsRead} row(s) read · ${report.errorCount} error(s) · ${report.warningCount} warning(s) · ${ready}`,
      report.valid ? "status ok" : "status error",
    ),
  );
  if (general.length || notes.length) {
    const list = el("ul", undefined, "general");
    for (const issue of general) list.append(el("li", `${issue.code}: ${issue.message}`, issue.severity));
    for (const message of notes) list.append(el("li", message, "change"));
    summary.append(list);
  }

  // One line per input row, in input order.
  const body = $("rows").tBodies[0];
  body.replaceChildren();
  parsed.rows.forEach((given, row) => {
    const items = byRow.get(row) ?? [];
    const tx = computed.get(row);
    const worst = ["error", "warning"].find((kind) => items.some((i) => i.kind === kind)) ?? "ok";
    const tr = el("tr", undefined, worst);
    tr.dataset.row = String(row);
    tr.append(
      el("td", row, "num"),
      el("td", given.id, "id"),
      el("td", given.date, "date"),
      el("td", given.amount, "money"),
      el("td", given.balance, "money"),
    );
    const balance = el("td", tx?.balance ?? "—", "money computed");
    if (replaced.has(row)) {
      balance.classList.add("corrected");
      balance.title = `was ${replaced.get(row)}`;
    }
    const list = el("ul");
    for (const item of items) {
      const li = el("li", undefined, item.kind);
      li.append(el("code", item.code), ` ${item.message}`);
      list.append(li);
    }
    const issues = el("td", undefined, "issues");
    issues.append(list);
    tr.append(balance, issues);
    body.append(tr);
  });
  $("rows").hidden = parsed.rows.length === 0;
}

async function readFile(file) {
  $("text").value = await file.text();
  check();
}

await init();
const select = $("platform");
for (const p of platforms()) select.append(new Option(p.name, p.platform));
select.value = "xero";
$("today").value = new Date().toLocaleDateString("en-CA");

$("form").addEventListener("submit", (event) => {
  event.preventDefault();
  check();
});
$("file").addEventListener("change", () => {
  const [file] = $("file").files;
  if (file) readFile(file);
});
const drop = $("drop");
drop.addEventListener("dragover", (event) => {
  event.preventDefault();
  drop.classList.add("over");
});
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (event) => {
  event.preventDefault();
  drop.classList.remove("over");
  const [file] = event.dataTransfer?.files ?? [];
  if (file) readFile(file);
});
$("check").disabled = false;
document.body.dataset.ready = "true";
