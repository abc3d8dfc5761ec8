"""Shared rows and helpers for the binding's tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
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
