"""Runs bankfeeds_job.py on a small generated dataset in Spark local mode and checks its output.

Three accounts: one clean (its rows shuffled, which normalisation sorts), one with a mistyped
balance, one with a future date and a conflicting duplicate id.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import tempfile
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
    schema = pa.schema([
        ("line", pa.int64()), ("account_id", pa.string()), ("id", pa.string()), ("date", pa.timestamp("us")),
        ("description", pa.string()), ("amount", pa.decimal128(18, 2)), ("balance", pa.decimal128(18, 2)),
        ("transaction_type", pa.string()),
    ])
    return pa.Table.from_pylist(rows, schema=schema), facts


def main() -> None:
    table, facts = dataset()
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "transactions.parquet"
        pq.write_table(table, source)
        counts = bankfeeds_job.run(str(source), str(Path(tmp) / "out"), "xero", TODAY)
        findings = pq.read_table(Path(tmp) / "out" / "findings").to_pylist()
        ready = pq.read_table(Path(tmp) / "out" / "ready").sort_by("date").to_pylist()

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

    clean = sorted(facts["clean"], key=lambda r: r["date"])  # type: ignore[arg-type, return-value]
    check({r["account_id"] for r in ready} == {"acc-clean"}, "only the clean account is ready")
    check([r["id"] for r in ready] == [r["id"] for r in clean], "ready rows are sorted oldest first")
    check([r["amount"] for r in ready] == [r["amount"] for r in clean], "amounts are exact")
    check([r["balance"] for r in ready] == [r["balance"] for r in clean], "balances are exact")
    check([r["line"] for r in ready] == [r["line"] for r in clean], "lines lead back to the input")
    check(all(r["transaction_type"] in ("Credit", "Debit") for r in ready), "types")
    print(f"spark example: {checks} passed, 0 failed")


if __name__ == "__main__":
    main()
