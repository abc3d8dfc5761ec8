"""Shared rows and helpers for the binding's tests.

No test writes the user's push ledger: ``BANKFEEDS_LEDGER`` (the default ledger's path) names a
file in a temporary folder for the whole session, and another one for each test (so a push that
does not name its ledger gets an empty one of its own; subprocesses inherit it).
"""

from __future__ import annotations

import atexit
import datetime as dt
import os
import shutil
import tempfile
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import bankfeeds

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
