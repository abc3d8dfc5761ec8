"""Runs bankfeeds_job.py on a small generated dataset in Spark local mode and checks its output,
then pushes the ready accounts to a sandbox it starts (`bankfeeds sandbox`) and checks what
arrived.

Four accounts: two clean (their rows shuffled, which normalisation sorts), one with a mistyped
balance, one with a future date and a conflicting duplicate id.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import subprocess
import sys
import tempfile
import urllib.request
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bankfeeds_job  # noqa: E402

TODAY = dt.date(2024, 6, 1)


def dataset() -> tuple[pa.Table, dict[str, object]]:
    rows: list[dict[str, object]] = []
    facts: dict[str, object] = {}

    def account(name: str, n: int) -> list[dict[str, object]]:
        out, balance = [], Decimal("1000.00")
        for i in range(n):
            amount = Decimal((i * 37) % 500 - 250).scaleb(-1) + Decimal("0.05")
            balance += amount
            out.append({
                "account_id": name,
                "id": f"{name}-{i}",
                "date": dt.datetime(2024, 5, 1) + dt.timedelta(hours=7 * i),
                "description": f"Payment {i}",
                "amount": amount,
                "balance": balance,
                "transaction_type": "Credit" if amount > 0 else "Debit",
            })
        return out

    clean = account("acc-clean", 50)
    random.Random(7).shuffle(clean)
    broken = account("acc-broken", 20)
    broken[8]["balance"] = broken[8]["balance"] + Decimal("0.01")  # type: ignore[operator]
    bad = account("acc-bad", 10)
    bad[9]["date"] = dt.datetime(2024, 6, 5)
    bad.append(dict(bad[3], amount=Decimal("999.99")))
    for r in clean + broken + bad:
        r["line"] = len(rows)
        rows.append(r)
    facts["broken_line"] = len(clean) + 8
    facts["future_line"] = len(clean) + len(broken) + 9
    facts["duplicate_line"] = len(clean) + len(broken) + 10
    facts["clean"] = clean
    # A second clean account, after the others so that the lines above stay as they are.
    clean2 = account("acc-clean-2", 30)
    random.Random(8).shuffle(clean2)
    for r in clean2:
        r["line"] = len(rows)
        rows.append(r)
    facts["clean2"] = clean2
    schema = pa.schema([
        ("line", pa.int64()), ("account_id", pa.string()), ("id", pa.string()), ("date", pa.timestamp("us")),
        ("description", pa.string()), ("amount", pa.decimal128(18, 2)), ("balance", pa.decimal128(18, 2)),
        ("transaction_type", pa.string()),
    ])
    return pa.Table.from_pylist(rows, schema=schema), facts


def post(url: str, body: dict[str, object]) -> dict[str, object]:
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json", "Authorization": "Basic setup"})
    with urllib.request.urlopen(req) as answer:
        text = answer.read()
    return json.loads(text) if text else {}


def get(url: str) -> object:
    with urllib.request.urlopen(url) as answer:
        return json.loads(answer.read(), parse_float=Decimal)


def linked(url: str, accounts: list[str]) -> tuple[str, str]:
    """The customer's side, over plain HTTP: a company, a linked Xero connection, and one mapped
    GBP source account per id (feed start 2024-04-01)."""
    company = str(post(f"{url}/companies", {"name": "Spark Bank customer"})["id"])
    connection = str(post(f"{url}/companies/{company}/connections", {"platformKey": "gbol"})["id"])
    base = f"{url}/sandbox/companies/{company}/connections/{connection}"
    post(f"{base}/link", {})
    for account in accounts:
        post(f"{url}/companies/{company}/connections/{connection}/connectionInfo/bankFeedAccounts", {
            "id": account, "accountName": account, "accountType": "Debit", "accountNumber": "31926819",
            "sortCode": "401276", "currency": "GBP", "balance": 1000})
        post(f"{base}/bankFeedAccounts/{account}/map", {"feedStartDate": "2024-04-01"})
    return company, connection


def main() -> None:
    table, facts = dataset()
    cli = os.environ.get("BANKFEEDS_CLI", str(Path(__file__).resolve().parents[2] / "target" / "debug" / "bankfeeds"))
    # The sandbox checks every answer against Codat's spec when BANKFEEDS_SPEC names it (test.sh sets it).
    sandbox = subprocess.Popen([cli, "sandbox", "--port", "0", "--push-delay-ms", "20", "--today", TODAY.isoformat()],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert sandbox.stdout is not None
    url = sandbox.stdout.readline().strip()
    os.environ["CODAT_API_KEY"] = "sandbox-key"
    try:
        company, connection = linked(url, ["acc-clean", "acc-clean-2", "acc-broken", "acc-bad"])
        with tempfile.TemporaryDirectory() as tmp:
            source = Path(tmp) / "transactions.parquet"
            pq.write_table(table, source)
            target = bankfeeds_job.PushTarget(company, connection, str(Path(tmp) / "ledger.sqlite3"), tasks=2,
                                              base_url=url, poll_interval=0.02)
            counts = bankfeeds_job.run(str(source), str(Path(tmp) / "out"), "xero", TODAY, target)
            findings = pq.read_table(Path(tmp) / "out" / "findings").to_pylist()
            ready = pq.read_table(Path(tmp) / "out" / "ready").sort_by("date").to_pylist()
            pushed = {r["account_id"]: r for r in pq.read_table(Path(tmp) / "out" / "pushed").to_pylist()}
            # A second run finds every transaction in the ledger and sends nothing again.
            bankfeeds_job.run(str(source), str(Path(tmp) / "again"), "xero", TODAY, target)
            again = {r["account_id"]: r for r in pq.read_table(Path(tmp) / "again" / "pushed").to_pylist()}
        base = f"{url}/sandbox/companies/{company}/connections/{connection}/bankFeedAccounts"
        stored = {a: get(f"{base}/{a}/transactions") for a in ("acc-clean", "acc-clean-2", "acc-broken", "acc-bad")}
        violations = get(f"{url}/sandbox/spec-violations") if os.environ.get("BANKFEEDS_SPEC") else []
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=10)

    checks = 0

    def check(cond: bool, what: str) -> None:
        nonlocal checks
        if not cond:
            raise SystemExit(f"spark example: FAILED: {what}")
        checks += 1

    by_account: dict[str, list[dict[str, object]]] = {}
    for f in findings:
        by_account.setdefault(str(f["account_id"]), []).append(f)
    check("acc-clean" not in by_account, f"the clean account has findings: {by_account.get('acc-clean')}")
    broken = sorted((f["line"], f["code"]) for f in by_account["acc-broken"])
    bl = facts["broken_line"]
    check(broken == [(bl, "balance_mismatch"), (bl + 1, "balance_mismatch")], f"acc-broken findings {broken}")
    first = next(f for f in by_account["acc-broken"] if f["line"] == bl)
    check(Decimal(str(first["found"])) - Decimal(str(first["expected"])) == Decimal("0.01"), f"off by a cent: {first}")
    bad = {(f["line"], f["code"]) for f in by_account["acc-bad"] if f["severity"] == "error"}
    check((facts["future_line"], "future_date") in bad, f"acc-bad future date: {bad}")
    check((facts["duplicate_line"], "conflicting_duplicate") in bad, f"acc-bad duplicate: {bad}")
    check(counts["findings"] == len(findings), "findings count")

    check({r["account_id"] for r in ready} == {"acc-clean", "acc-clean-2"}, "only the clean accounts are ready")
    for name, key in (("acc-clean", "clean"), ("acc-clean-2", "clean2")):
        clean = sorted(facts[key], key=lambda r: r["date"])  # type: ignore[arg-type, return-value]
        mine = [r for r in ready if r["account_id"] == name]
        check([r["id"] for r in mine] == [r["id"] for r in clean], f"{name}: ready rows are sorted oldest first")
        check([r["amount"] for r in mine] == [r["amount"] for r in clean], f"{name}: amounts are exact")
        check([r["balance"] for r in mine] == [r["balance"] for r in clean], f"{name}: balances are exact")
        check([r["line"] for r in mine] == [r["line"] for r in clean], f"{name}: lines lead back to the input")
        # Pushed: every ready row once, oldest first, digit for digit.
        landed = stored[name]
        check([t["id"] for t in landed] == [r["id"] for r in clean], f"{name}: every ready row reached Codat once, in order")
        check([t["amount"] for t in landed] == [r["amount"] for r in clean], f"{name}: pushed amounts are exact")
        check([t["balance"] for t in landed] == [r["balance"] for r in clean], f"{name}: pushed balances are exact")
        row = pushed.get(name)
        check(row is not None and row["status"] == "complete" and row["pushed"] == len(clean) and row["error"] is None,
              f"{name}: pushed row {row}")
        row = again.get(name)
        check(row is not None and row["pushed"] == 0 and row["already_pushed"] == len(clean),
              f"{name}: the rerun sent nothing again {row}")
    check(all(r["transaction_type"] in ("Credit", "Debit") for r in ready), "types")
    check(set(pushed) == {"acc-clean", "acc-clean-2"}, f"only ready accounts are pushed: {sorted(pushed)}")
    check(stored["acc-broken"] == [] and stored["acc-bad"] == [], "nothing of the accounts with errors was sent")
    check(counts["pushed_accounts"] == 2, f"pushed accounts {counts}")
    check(violations == [], f"the sandbox kept to Codat's spec: {violations}")
    print(f"spark example: {checks} passed, 0 failed")


if __name__ == "__main__":
    main()
