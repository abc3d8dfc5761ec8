"""Shared rows and helpers for the binding's tests, and the sandbox the client tests talk to."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

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
