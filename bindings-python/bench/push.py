"""Pushing the same transactions to the local sandbox with bankfeeds and with Codat's own SDK.

The sandbox (``bankfeeds sandbox``, built by ``cargo build --release -p bankfeeds-cli``) plays
Codat's Bank Feeds API on localhost, with pushes completing at once (``--push-delay-ms 0``) and
no spec check, so the server is not what is measured. For each side a fresh company, a linked
connection and a connected source account are made through the API (not timed); then the same
``--rows`` transactions, oldest first, are pushed in batches of ``--batch``, each batch waited
until its push operation leaves ``Pending``:

- bankfeeds: one ``Client.push_transactions(...)`` call on the list of dicts (it normalises and
  validates every row, checks the account, splits into batches, pushes and waits for each);
- codat-bankfeeds: its models built from the rows (``BankTransactions.from_dict``, dates as ISO
  text), then per batch ``transactions.create`` and ``transactions.get_create_operation`` polled
  until the status is not ``Pending``, as its documentation describes. It checks types only.

Both sides poll every ``--poll`` seconds. After each side the sandbox's stored transactions for
the account are read back and counted, and every push operation must have ended ``Success``: a
run where anything failed to land stops with an error instead of printing a time.

    python push.py                        # 100,000 rows in batches of 1000
    python push.py --rows 20000 --repeat 3
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import START, make_rows, sdk_models, today_for  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
API_KEY = "bench-key"


def post(url: str, body: dict[str, Any] | None = None) -> Any:
    data = json.dumps(body or {}).encode()
    req = urllib.request.Request(url, data=data, method="POST", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req) as answer:
        return json.loads(answer.read() or b"null")


def get(url: str) -> Any:
    with urllib.request.urlopen(url) as answer:
        return json.loads(answer.read())


class Sandbox:
    """`bankfeeds sandbox --port 0`, stopped on exit."""

    def __init__(self, cli: Path, today: dt.date) -> None:
        args = [str(cli), "sandbox", "--port", "0", "--push-delay-ms", "0", "--today", today.isoformat()]
        env = {k: v for k, v in os.environ.items() if k != "BANKFEEDS_SPEC"}  # no spec check
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
        assert self.proc.stdout is not None
        self.url = self.proc.stdout.readline().strip()
        if not self.url.startswith("http://"):
            self.close()
            raise SystemExit(f"the sandbox did not start: {self.url!r}")
        health = get(f"{self.url}/sandbox/health")
        if health.get("checksSpec"):
            self.close()
            raise SystemExit("the sandbox checks the spec; the bench runs it without")

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def fresh_account(url: str, account_id: str) -> tuple[str, str]:
    """A company with a linked Xero connection and a connected GBP source account (not timed)."""
    import bankfeeds

    client = bankfeeds.Client(API_KEY, base_url=url)
    company = client.create_company({"name": f"Bench {account_id}"})
    connection = client.create_connection(company["id"], "gbol")
    base = f"{url}/sandbox/companies/{company['id']}/connections/{connection['id']}"
    post(f"{base}/link")
    client.create_source_account(
        company["id"],
        connection["id"],
        {
            "id": account_id,
            "account_name": "Current account",
            "account_type": "Credit",
            "account_number": "12345678",
            "sort_code": "12-34-56",
            "currency": "GBP",
            "balance": 0,
        },
    )
    post(f"{base}/bankFeedAccounts/{account_id}/map", {"feedStartDate": (START.date() - dt.timedelta(days=1)).isoformat()})
    account = client.find_source_account(company["id"], connection["id"], account_id)
    if account is None or account["status"] != "connected":
        raise SystemExit(f"the bench account {account_id} is not connected: {account}")
    return company["id"], connection["id"]


def stored_count(url: str, company_id: str, connection_id: str, account_id: str) -> int:
    return len(get(f"{url}/sandbox/companies/{company_id}/connections/{connection_id}/bankFeedAccounts/{account_id}/transactions"))


# ---- the two sides ----------------------------------------------------------------------------


def push_bankfeeds(url: str, ids: tuple[str, str, str], rows: list[dict[str, Any]], args: argparse.Namespace) -> int:
    """Returns the number of batches that ended Success."""
    import bankfeeds

    company_id, connection_id, account_id = ids
    client = bankfeeds.Client(API_KEY, base_url=url)
    report = client.push_transactions(
        company_id, connection_id, account_id, rows,
        batch_size=args.batch, today=today_for(len(rows)), poll_interval=args.poll,
    )
    if not report.is_complete or report.pushed != len(rows):
        raise SystemExit(f"bankfeeds did not push everything: {report}")
    return sum(1 for b in report.batches if b["status"] == "Success")


def push_sdk(url: str, ids: tuple[str, str, str], rows: list[dict[str, Any]], args: argparse.Namespace) -> int:
    """Returns the number of batches that ended Success."""
    from codat_bankfeeds import CodatBankFeeds
    from codat_bankfeeds.models.shared import CreateBankTransactions, Security

    company_id, connection_id, account_id = ids
    auth = "Basic " + base64.b64encode(API_KEY.encode()).decode()
    sdk = CodatBankFeeds(security=Security(auth_header=auth), server_url=url)
    models = sdk_models(rows)
    succeeded = 0
    for k in range(0, len(models), args.batch):
        created = sdk.transactions.create(
            request={
                "company_id": company_id,
                "connection_id": connection_id,
                "account_id": account_id,
                "create_bank_transactions": CreateBankTransactions(account_id=account_id, transactions=models[k : k + args.batch]),
            }
        )
        status, key = str(getattr(created.status, "value", created.status)), created.push_operation_key
        while status == "Pending":
            time.sleep(args.poll)
            op = sdk.transactions.get_create_operation(request={"company_id": company_id, "push_operation_key": key})
            status = str(getattr(op.status, "value", op.status))
        if status != "Success":
            raise SystemExit(f"codat-bankfeeds: the push of batch {k // args.batch} ended {status}")
        succeeded += 1
    return succeeded


SIDES: dict[str, Callable[[str, tuple[str, str, str], list[dict[str, Any]], argparse.Namespace], int]] = {
    "bankfeeds": push_bankfeeds,
    "codat-bankfeeds": push_sdk,
}


def run_side(name: str, url: str, run: int, rows: list[dict[str, Any]], args: argparse.Namespace) -> float:
    account_id = f"{name}-{run}"
    company_id, connection_id = fresh_account(url, account_id)
    t0 = time.perf_counter()
    batches = SIDES[name](url, (company_id, connection_id, account_id), rows, args)
    wall = time.perf_counter() - t0
    expected = -(-len(rows) // args.batch)
    stored = stored_count(url, company_id, connection_id, account_id)
    if batches != expected or stored != len(rows):
        raise SystemExit(f"{name}: {batches} of {expected} batches succeeded, {stored} of {len(rows)} transactions stored")
    return wall


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3, help="runs per side, each on a fresh account")
    ap.add_argument("--poll", type=float, default=0.01, help="seconds between push-operation polls (both sides)")
    ap.add_argument("--cli", type=Path, default=ROOT / "target" / "release" / "bankfeeds", help="the bankfeeds binary")
    args = ap.parse_args()
    if not args.cli.exists():
        raise SystemExit(f"{args.cli} is missing: cargo build --release -p bankfeeds-cli")

    import bankfeeds

    # bankfeeds records every batch in its push ledger (part of what it does per push): a file of
    # this run's own, never the user's.
    ledger_dir = tempfile.TemporaryDirectory(prefix="bankfeeds-push-bench-")
    os.environ["BANKFEEDS_LEDGER"] = str(Path(ledger_dir.name) / "ledger.sqlite3")
    rows = make_rows(args.rows)
    batches = -(-args.rows // args.batch)
    print(f"push: bankfeeds {bankfeeds.__version__} vs codat-bankfeeds, {args.rows:,} rows in {batches} batches of "
          f"{args.batch}, poll {args.poll} s, Python {platform.python_version()}, {os.cpu_count()} CPU(s), "
          f"load {os.getloadavg()[0]:.1f}")
    walls: dict[str, list[float]] = {name: [] for name in SIDES}
    with Sandbox(args.cli, today_for(args.rows)) as sandbox:
        for run in range(args.repeat):
            for name in SIDES:  # alternated, so load changes hit both sides alike
                walls[name].append(run_side(name, sandbox.url, run, rows, args))
    for name, w in walls.items():
        best, median = min(w), statistics.median(w)
        print(f"  {name:16s} best {best:7.2f} s ({batches / best:7.1f} batches/s)   median {median:7.2f} s "
              f"({batches / median:7.1f} batches/s)   runs: {', '.join(f'{x:.2f}' for x in w)}", flush=True)
    ours, sdk = walls["bankfeeds"], walls["codat-bankfeeds"]
    print(f"\nbankfeeds speed-up over codat-bankfeeds: best {min(sdk) / min(ours):.1f}x, "
          f"median {statistics.median(sdk) / statistics.median(ours):.1f}x "
          f"(every batch Success and all {args.rows:,} transactions stored, both sides)")
    ledger_dir.cleanup()


if __name__ == "__main__":
    main()
