"""Runs pipeline.py against a sandbox it starts (`bankfeeds sandbox`), on a generated CSV of two
accounts, one clean and one with a mistyped balance, and checks what reached the sandbox."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
import subprocess
import sys
import tempfile
import urllib.request
from decimal import Decimal
from pathlib import Path

import bankfeeds

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import pipeline  # noqa: E402

TODAY = dt.date(2024, 6, 1)


def post(url: str, body: dict[str, object] | None = None) -> None:
    req = urllib.request.Request(url, data=json.dumps(body or {}).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    urllib.request.urlopen(req).read()


def main() -> None:
    cli = os.environ.get("BANKFEEDS_CLI", str(HERE.parents[1] / "target" / "debug" / "bankfeeds"))
    # The sandbox checks every answer against Codat's spec when BANKFEEDS_SPEC names it (test.sh sets it).
    sandbox = subprocess.Popen([cli, "sandbox", "--port", "0", "--push-delay-ms", "20", "--today", TODAY.isoformat()],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert sandbox.stdout is not None
    url = sandbox.stdout.readline().strip()
    checks = 0

    def check(cond: bool, what: str) -> None:
        nonlocal checks
        if not cond:
            raise SystemExit(f"python-pipeline example: FAILED: {what}")
        checks += 1

    try:
        # The customer's side: a company, a linked Xero connection, two mapped GBP accounts.
        client = bankfeeds.Client("sandbox-key", base_url=url)
        company = client.create_company({"name": "Pipeline Bank customer"})
        connection = client.create_connection(company.id, "gbol")
        base = f"{url}/sandbox/companies/{company.id}/connections/{connection.id}"
        post(f"{base}/link")
        for account in ("acc-clean", "acc-typo"):
            client.create_source_account(company.id, connection.id, {
                "id": account, "account_name": account, "account_type": "Credit", "account_number": "12345678",
                "sort_code": "123456", "currency": "GBP", "balance": Decimal("0.00")})
            post(f"{base}/bankFeedAccounts/{account}/map", {"feedStartDate": "2024-05-01"})

        lines = ["account_id,id,date,description,amount,balance,transaction_type"]
        for account in ("acc-clean", "acc-typo"):
            balance = Decimal("0.00")
            for i in range(6):
                amount = Decimal("1250.00") if i % 3 == 0 else Decimal("-42.17")
                balance += amount
                shown = balance + Decimal("0.01") if (account == "acc-typo" and i == 3) else balance
                lines.append(f"{account},{account}-{i},2024-05-{10 + i:02d}T09:00:00,Line {i},{amount},{shown},")
        # The clean account's rows arrive out of order: normalisation sorts them.
        lines[1], lines[2] = lines[2], lines[1]
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "transactions.csv"
            path.write_text("\n".join(lines) + "\n")
            ledger = Path(tmp) / "ledger.sqlite3"   # never the user's default ledger
            argv = [str(path), "--company-id", company.id, "--connection-id", connection.id, "--base-url", url,
                    "--api-key", "sandbox-key", "--platform", "xero", "--today", TODAY.isoformat(), "--poll", "0.02",
                    "--ledger", str(ledger)]
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                code = pipeline.main(argv)
            summary = json.loads(out.getvalue().strip().splitlines()[-1])
            check(code == 1, "exit code 1: one account was refused")
            check(summary["pushed"]["acc-clean"]["pushed"] == 6, f"clean account pushed: {summary}")
            check(summary["pushed"]["acc-clean"]["complete"], "clean account complete")
            refused = [(f["line"], f["code"]) for f in summary["refused"]["acc-typo"]]
            check(refused == [(11, "balance_mismatch"), (12, "balance_mismatch")], f"typo found on its CSV lines: {refused}")
            # A second run sends nothing twice.
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                pipeline.main(argv)
            again = json.loads(out.getvalue().strip().splitlines()[-1])
            check(again["pushed"]["acc-clean"] == {**again["pushed"]["acc-clean"], "pushed": 0, "already_pushed": 6},
                  f"rerun pushes nothing: {again}")
            recorded = bankfeeds.SqliteLedger(ledger, create=False).batches(company.id, connection.id)
            check([b.state for b in recorded] == ["success"] and recorded[0].account.account_id == "acc-clean",
                  f"the push was recorded in the ledger given: {recorded}")
            # Another machine (another ledger) refuses rather than guess what the account has.
            out = io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
                code = pipeline.main(argv[:-1] + [str(Path(tmp) / "other-ledger.sqlite3")])
            other = json.loads(out.getvalue().strip().splitlines()[-1])
            check(code == 1 and other["pushed"]["acc-clean"]["error"] == "history_unknown",
                  f"a ledger that does not know the pushes refuses: {other}")

        with urllib.request.urlopen(f"{base}/bankFeedAccounts/acc-clean/transactions") as answer:
            stored = json.loads(answer.read(), parse_float=Decimal)
        check([t["id"] for t in stored] == [f"acc-clean-{i}" for i in range(6)], "stored oldest first")
        check([t["amount"] for t in stored][:2] == [Decimal("1250.00"), Decimal("-42.17")], "amounts exact")
        check(stored[-1]["balance"] == Decimal("2331.32"), f"closing balance {stored[-1]['balance']}")
        with urllib.request.urlopen(f"{base}/bankFeedAccounts/acc-typo/transactions") as answer:
            check(json.loads(answer.read()) == [], "nothing of the refused account was sent")
        if os.environ.get("BANKFEEDS_SPEC"):
            with urllib.request.urlopen(f"{url}/sandbox/spec-violations") as answer:
                violations = json.loads(answer.read())
            check(violations == [], f"the sandbox kept to Codat's spec: {violations}")
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=10)
    print(f"python-pipeline example: {checks} passed, 0 failed")


if __name__ == "__main__":
    main()
