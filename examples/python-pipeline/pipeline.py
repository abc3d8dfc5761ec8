"""A bank's nightly pipeline: read a CSV of transactions for many accounts, check and normalise
each account's rows with bankfeeds, and push the clean accounts to Codat.

    python pipeline.py transactions.csv --company-id C --connection-id K \\
        [--base-url https://api.codat.io] [--api-key KEY] [--today 2024-06-01] \\
        [--ledger /var/lib/my-bank/bankfeeds-ledger.sqlite3]

The CSV has an `account_id` column and the transaction columns (`id`, `date`, `amount`,
`balance`, `description`, `transaction_type`...). It is read into a pyarrow Table (amounts as
exact decimals); each account's slice goes to bankfeeds as Arrow, without a Python object per
row. An account with errors is not pushed: its findings are printed with their CSV lines.
Every batch pushed is recorded in the push ledger (`--ledger`, by default the SQLite file at
`bankfeeds.default_ledger_path()`: $BANKFEEDS_LEDGER, else the user's data folder), so tonight's
rerun sends only what the accounts do not have yet. Run every night's job with the same ledger.
Prints a JSON summary on the last line and exits 1 when any account was not pushed (or a push
did not complete, or the ledger does not know the account's pushes: see `--unknown-history`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as csv

import bankfeeds


def read(path: str) -> pa.Table:
    """The CSV as a table: amounts and balances as exact decimals, everything else as text
    (bankfeeds reads ISO dates itself, exactly as written)."""
    with open(path, encoding="utf-8") as f:
        columns = [c.strip() for c in f.readline().split(",")]
    types = {name: pa.string() for name in columns}
    types.update({name: pa.decimal128(18, 2) for name in ("amount", "balance") if name in columns})
    return csv.read_csv(path, convert_options=csv.ConvertOptions(column_types=types, strings_can_be_null=True))


def run(args: argparse.Namespace) -> dict[str, Any]:
    table = read(args.csv)
    table = table.append_column("line", pa.array(range(2, table.num_rows + 2), pa.int64()))  # CSV line numbers
    client = bankfeeds.Client(args.api_key, base_url=args.base_url)
    summary: dict[str, Any] = {"pushed": {}, "refused": {}}
    for account in pc.unique(table["account_id"]).to_pylist():
        rows = table.filter(pc.equal(table["account_id"], account))
        lines = rows["line"].to_pylist()
        result = bankfeeds.normalise(rows.drop_columns(["line"]), platform=args.platform, today=args.today)
        if not result.is_valid:
            summary["refused"][account] = [
                {"line": lines[i.row] if i.row is not None else None, "field": i.field, "code": i.code, "message": i.message}
                for i in result.report.errors
            ]
            for issue in result.report.errors:
                where = f"line {lines[issue.row]}" if issue.row is not None else "account"
                print(f"{account}: {where}: {issue.code}: {issue.message}", file=sys.stderr)
            continue
        try:
            report = client.push_transactions(
                args.company_id, args.connection_id, account, result.transactions, today=args.today,
                poll_interval=args.poll, ledger=args.ledger, unknown_history=args.unknown_history,
            )
        except (bankfeeds.HistoryUnknownError, bankfeeds.AccountBusyError) as e:
            # Nothing was sent to this account; the message says what to do.
            print(f"{account}: {e}", file=sys.stderr)
            summary["pushed"][account] = {"pushed": 0, "already_pushed": 0, "complete": False, "operations": [],
                                          "error": e.kind}
            continue
        print(f"{account}: {report}")
        summary["pushed"][account] = {"pushed": report.pushed, "already_pushed": len(report.already_pushed),
                                      "complete": report.is_complete, "operations": report.operation_keys,
                                      "held_back": report.held_back}
    return summary


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("csv")
    ap.add_argument("--company-id", required=True)
    ap.add_argument("--connection-id", required=True)
    ap.add_argument("--base-url", default="https://api.codat.io")
    ap.add_argument("--api-key", default=os.environ.get("CODAT_API_KEY"))
    ap.add_argument("--platform", default="generic", help="rules to check before pushing (the push itself uses the connection's)")
    ap.add_argument("--today", type=dt.date.fromisoformat, default=dt.date.today())
    ap.add_argument("--poll", type=float, default=1.0, help="seconds between polls of a push operation")
    ap.add_argument("--ledger", default=None,
                    help="the push ledger, a SQLite file (default: $BANKFEEDS_LEDGER, else the user's data folder)")
    ap.add_argument("--unknown-history", choices=["refuse", "trust"], default="refuse",
                    help="when an account has pushes the ledger does not know: send nothing (refuse), or trust "
                         "that none of the rows is on the account yet")
    args = ap.parse_args(argv)
    summary = run(args)
    print(json.dumps(summary))
    complete = all(p["complete"] for p in summary["pushed"].values())
    return 0 if complete and not summary["refused"] else 1


if __name__ == "__main__":
    sys.exit(main())
