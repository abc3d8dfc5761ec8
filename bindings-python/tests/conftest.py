"""Shared rows and helpers for the binding's tests, and the sandbox the client tests talk to.

No test writes the user's push ledger: ``BANKFEEDS_LEDGER`` (the default ledger's path) names a
file in a temporary folder for the whole session, and another one for each test (so a push that
does not name its ledger gets an empty one of its own; subprocesses inherit it).
"""

from __future__ import annotations

import atexit
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import urllib.request
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import bankfeeds

def threads_named(name: str) -> int:
    """Threads of this process named `name` (Linux: from /proc)."""
    import glob

    names = []
    for comm in glob.glob("/proc/self/task/*/comm"):
        try:
            with open(comm) as f:
                names.append(f.read().strip())
        except OSError:
            pass  # the thread ended meanwhile
    return names.count(name)


_SESSION_LEDGER = tempfile.mkdtemp(prefix="bankfeeds-test-ledger-")
atexit.register(shutil.rmtree, _SESSION_LEDGER, True)
os.environ["BANKFEEDS_LEDGER"] = os.path.join(_SESSION_LEDGER, "ledger.sqlite3")

#: Every test judges dates against a fixed day, so results do not depend on when they run.
TODAY = dt.date(2024, 6, 1)


def chain_rows() -> list[dict[str, Any]]:
    """Three clean rows whose balances follow, oldest first (valid for Xero)."""
    return [
        {
            "id": "t1",
            "date": "2024-05-01T09:00:00",
            "amount": Decimal("2500.00"),
            "balance": Decimal("2500.00"),
            "description": "Salary",
            "transaction_type": "Credit",
        },
        {
            "id": "t2",
            "date": "2024-05-02",
            "amount": Decimal("-3.20"),
            "balance": Decimal("2496.80"),
            "description": "Coffee",
            "transaction_type": "Debit",
        },
        {
            "id": "t3",
            "date": dt.datetime(2024, 5, 3, 18, 45, 10),
            "amount": Decimal("-96.80"),
            "balance": Decimal("2400.00"),
            "description": "Groceries",
            "transaction_type": "Debit",
        },
    ]


def codes(report: Any) -> list[tuple[int | None, str | None, str]]:
    """(row, field, code) of every finding, in report order."""
    return [(i.row, i.field, i.code) for i in report]


@pytest.fixture
def rows() -> list[dict[str, Any]]:
    return chain_rows()


REPO = Path(__file__).resolve().parents[2]
_skipped_said = False


def cli() -> str:
    """The `bankfeeds` binary whose `sandbox` command serves the client tests."""
    path = os.environ.get("BANKFEEDS_CLI") or str(REPO / "target" / "debug" / "bankfeeds")
    if not Path(path).exists():
        pytest.fail(f"the sandbox binary {path} is missing: run `cargo build -p bankfeeds-cli` (scripts/test.sh does)")
    return path


def spec_path() -> Path | None:
    """Codat's spec: the file BANKFEEDS_SPEC names, else ../shared/codat-oas/Codat-Bank-Feeds.json beside
    the checkout, else None (a user's clone has no ../shared)."""
    named = os.environ.get("BANKFEEDS_SPEC")
    if named:
        return Path(named)
    beside = REPO.parent / "shared" / "codat-oas" / "Codat-Bank-Feeds.json"
    return beside if beside.exists() else None


def run_sandbox(*extra: str, push_delay_ms: int = 30) -> Iterator[str]:
    """`bankfeeds sandbox --port 0` with `extra` arguments, every answer checked against Codat's spec when
    the spec is found; yields its URL, and at teardown asserts that no answer broke the spec."""
    global _skipped_said
    args = [cli(), "sandbox", "--port", "0", "--push-delay-ms", str(push_delay_ms), "--today", TODAY.isoformat(), *extra]
    spec = spec_path()
    if spec is not None:
        args += ["--check-spec", str(spec)]
    elif not _skipped_said:
        _skipped_said = True
        print("spec check skipped: ../shared/codat-oas/Codat-Bank-Feeds.json is not beside this checkout "
              "and BANKFEEDS_SPEC is not set", file=sys.stderr)
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    assert url.startswith("http://127.0.0.1:"), url
    try:
        with urllib.request.urlopen(f"{url}/sandbox/health") as answer:
            assert json.loads(answer.read())["checksSpec"] is (spec is not None)
        yield url
        if spec is not None:
            with urllib.request.urlopen(f"{url}/sandbox/spec-violations") as answer:
                violations = json.loads(answer.read())
            assert violations == [], "the sandbox broke Codat's spec:\n" + "\n".join(
                f"  {v['method']} {v['path']} ({v['operationId']}) {v['status']} {v['pointer']}: {v['message']}"
                for v in violations
            )
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[str]:
    """The sandbox as the spec has it: push operation reads without `data`."""
    yield from run_sandbox()


@pytest.fixture(scope="module")
def slow_sandbox() -> Iterator[str]:
    """Pushes and managed syncs stay pending a minute: what is running can be seen running."""
    yield from run_sandbox(push_delay_ms=60_000)


@pytest.fixture(autouse=True)
def default_ledger(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The default push ledger of this test: a file of its own, never the user's."""
    path = tmp_path / "default-ledger.sqlite3"
    monkeypatch.setenv("BANKFEEDS_LEDGER", str(path))
    return path


class DictLedger:
    """A push ledger written in Python, kept in dicts (the ``bankfeeds.PushLedger`` protocol's
    example). ``stored`` holds each batch as ``to_dict`` gives it, as a bank's database would, and
    ``calls`` counts calls by method."""

    def __init__(self) -> None:
        self.stored: dict[str, dict[str, Any]] = {}
        self.leases: dict[bankfeeds.LedgerAccount, bankfeeds.Lease] = {}
        self.calls: dict[str, int] = {}
        self.lock = threading.Lock()

    def count(self, method: str) -> int:
        self.calls[method] = self.calls.get(method, 0) + 1
        return self.calls[method]

    def batches(self, company_id: str, connection_id: str) -> list[bankfeeds.LedgerBatch]:
        with self.lock:
            self.count("batches")
            found = [bankfeeds.LedgerBatch.from_dict(d) for d in self.stored.values()]
            return [b for b in found if (b.account.company_id, b.account.connection_id) == (company_id, connection_id)]

    def save(self, batch: bankfeeds.LedgerBatch) -> None:
        with self.lock:
            self.count("save")
            self.stored[batch.batch_id] = batch.to_dict()

    def acquire(
        self, account: bankfeeds.LedgerAccount, holder: bankfeeds.LeaseHolder, ttl: float
    ) -> bankfeeds.Lease | None:
        with self.lock:
            self.count("acquire")
            current = self.leases.get(account)
            if current is not None and not current.may_be_taken_by(holder):
                return current
            self.leases[account] = bankfeeds.Lease(holder, bankfeeds.lease_expiry(ttl))
            return None

    def release(self, account: bankfeeds.LedgerAccount, holder: bankfeeds.LeaseHolder) -> None:
        with self.lock:
            self.count("release")
            current = self.leases.get(account)
            if current is not None and current.holder.id == holder.id:
                del self.leases[account]

    def lease(self, account: bankfeeds.LedgerAccount) -> bankfeeds.Lease | None:
        with self.lock:
            self.count("lease")
            return self.leases.get(account)
