"""Typed objects: Transaction, Transactions and PushBody."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest

import bankfeeds
from conftest import TODAY, chain_rows


def test_constructor_types_every_argument() -> None:
    tx = bankfeeds.Transaction(
        "tx-1",
        dt.datetime(2024, 5, 1, 9, 30),
        Decimal("-17.54"),
        description="Tech book",
        counterparty="Amazon",
        reference="INV-1",
        reconciled=False,
        balance="82.46",
        transaction_type="debit",
    )
    assert (tx.id, tx.date, tx.amount, tx.balance) == (
        "tx-1",
        dt.datetime(2024, 5, 1, 9, 30),
        Decimal("-17.54"),
        Decimal("82.46"),
    )
    assert (tx.description, tx.counterparty, tx.reference, tx.reconciled) == ("Tech book", "Amazon", "INV-1", False)
    assert tx.transaction_type == "Debit"
    assert json.loads(tx.to_json(), parse_float=Decimal) == {
        "id": "tx-1",
        "date": "2024-05-01T09:30:00",
        "description": "Tech book",
        "counterparty": "Amazon",
        "reference": "INV-1",
        "reconciled": False,
        "amount": Decimal("-17.54"),
        "balance": Decimal("82.46"),
        "transactionType": "Debit",
    }


def test_constructor_raises_with_every_problem() -> None:
    with pytest.raises(bankfeeds.ValidationError) as caught:
        bankfeeds.Transaction("x", "2023-02-30", 0.1, balance="abc")
    err = caught.value
    assert isinstance(err, ValueError) and isinstance(err, bankfeeds.BankFeedsError)
    assert [(i.field, i.code) for i in err.issues] == [
        ("date", "invalid_date"),
        ("amount", "invalid_number"),
        ("balance", "invalid_number"),
    ]
    assert (err.field, err.report.errors[0].code, err.row, err.id) == ("date", "invalid_date", None, "x")
    assert "February 2023 has no day 30" in str(err) and "2 more" in str(err)


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"id": None}, "id"),
        ({"date": None}, "date"),
        ({"amount": None}, "amount"),
        ({"amount": float("nan")}, "amount"),
        ({"date": 12}, "date"),
        ({"transaction_type": "Refund"}, "transactionType"),
        ({"reconciled": "perhaps"}, "reconciled"),
    ],
)
def test_constructor_names_the_field(kwargs: dict[str, Any], field: str) -> None:
    args: dict[str, Any] = {"id": "a", "date": "2024-01-01", "amount": "1"}
    args.update(kwargs)
    with pytest.raises(bankfeeds.ValidationError) as caught:
        bankfeeds.Transaction(args.pop("id"), args.pop("date"), args.pop("amount"), **args)
    assert caught.value.field == field


def test_from_dict_matches_keys_loosely() -> None:
    tx = bankfeeds.Transaction.from_dict({"Id": "a", "date": "2024-01-01", "Amount": "5", "transactionType": "Credit"})
    assert (tx.id, tx.amount, tx.transaction_type) == ("a", Decimal("5"), "Credit")
    with pytest.raises(TypeError):
        bankfeeds.Transaction.from_dict([("id", "a")])  # type: ignore[arg-type]


def test_equality_repr_and_dict() -> None:
    a = bankfeeds.Transaction("a", "2024-01-01", Decimal("1.50"))
    b = bankfeeds.Transaction("a", dt.date(2024, 1, 1), "1.50")
    assert a == b
    # Money compares by value, as Decimal does; the scale is kept for the wire.
    assert a == bankfeeds.Transaction("a", "2024-01-01", Decimal("1.5"))
    assert a != bankfeeds.Transaction("a", "2024-01-01", Decimal("1.51"))
    assert repr(a) == 'Transaction(id="a", date="2024-01-01", amount=Decimal("1.50"))'
    assert a.to_dict() == {
        "id": "a",
        "date": dt.datetime(2024, 1, 1),
        "description": None,
        "counterparty": None,
        "reference": None,
        "reconciled": None,
        "amount": Decimal("1.50"),
        "balance": None,
        "transaction_type": None,
    }


def test_transactions_batch_behaves_like_a_sequence() -> None:
    txs = bankfeeds.normalise(chain_rows(), today=TODAY).transactions
    assert len(txs) == 3
    assert [t.id for t in txs] == ["t1", "t2", "t3"]
    assert txs[-1].id == "t3"
    assert [t.id for t in txs[1:]] == ["t2", "t3"]
    assert txs[::-1].source_rows == [2, 1, 0]
    with pytest.raises(IndexError):
        txs[3]
    assert txs.source_rows == [0, 1, 2]
    assert [t.id for t in txs.to_list()] == ["t1", "t2", "t3"]
    assert txs.to_dicts()[1]["amount"] == Decimal("-3.20")
    assert txs.closing_balance() == Decimal("2400.00")
    assert txs.opening_balance() == Decimal("0.00")
    assert json.loads(txs.to_json())[0]["id"] == "t1"


def test_typed_objects_are_accepted_as_rows() -> None:
    objects = [bankfeeds.Transaction.from_dict(r) for r in chain_rows()]
    assert bankfeeds.validate(objects, platform="xero", today=TODAY) == bankfeeds.validate(
        chain_rows(), platform="xero", today=TODAY
    )
    mixed: list[Any] = [objects[0], *chain_rows()[1:]]
    assert bankfeeds.validate(mixed, platform="xero", today=TODAY).is_valid


def test_push_body() -> None:
    txs = bankfeeds.normalise(chain_rows(), today=TODAY).transactions
    body = bankfeeds.PushBody("acc-1", txs)
    assert (body.account_id, len(body)) == ("acc-1", 3)
    wire = json.loads(body.to_json(), parse_float=Decimal)
    assert wire["accountId"] == "acc-1"
    assert [t["amount"] for t in wire["transactions"]] == [Decimal("2500.00"), Decimal("-3.20"), Decimal("-96.80")]
    assert body == bankfeeds.PushBody("acc-1", list(txs))
    assert body.transactions[0] == txs[0]
    with pytest.raises(TypeError):
        bankfeeds.PushBody("acc-1", [{"id": "a"}])  # type: ignore[list-item]
