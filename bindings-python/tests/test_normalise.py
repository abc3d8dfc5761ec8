"""normalise(): transactions ready to push, every change, every finding."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

import bankfeeds
from conftest import TODAY, chain_rows, codes


def messy() -> list[dict[str, Any]]:
    return [
        {"id": "c", "date": "2024-05-03", "amount": "-96.80", "description": "  Groceries "},
        {"id": "a", "date": "2024-05-01", "amount": "2500.00", "description": "Salary"},
        {"id": "b", "date": "2024-05-02", "amount": "-3.20", "description": "   "},
        {"id": "a", "date": "2024-05-01", "amount": "2500.00", "description": "Salary"},
    ]


def test_every_change_is_reported() -> None:
    result = bankfeeds.normalise(messy(), today=TODAY)
    assert [t.id for t in result.transactions] == ["a", "b", "c"]
    assert result.source_rows == [1, 2, 0]
    kinds = [(c.kind, c.row, c.field) for c in result.changes]
    assert kinds == [
        ("trimmed", 0, "description"),
        ("blanked", 2, "description"),
        ("type_inferred", None, "transactionType"),
        ("duplicate_dropped", 3, "id"),
        ("sorted", None, "date"),
    ]
    trimmed = result.changes[0]
    assert (trimmed.before, trimmed.after, trimmed.id) == ("  Groceries ", "Groceries", "c")
    assert result.changes[2].rows == [0, 1, 2, 3]
    assert result.changes[0].to_dict()["kind"] == "trimmed"
    assert str(result.changes[0]).startswith("trimmed row 0 (id c)")
    assert [t.transaction_type for t in result.transactions] == ["Credit", "Debit", "Debit"]
    assert result.transactions[1].description is None
    assert (result.rows_read, len(result), result.is_valid) == (4, 3, True)
    assert codes(result.report) == [(3, "id", "exact_duplicate")]
    assert repr(result) == "Normalised(3 transaction(s), 5 change(s), 0 error(s), 1 warning(s))"


def test_normalising_twice_changes_nothing() -> None:
    once = bankfeeds.normalise(messy(), today=TODAY)
    twice = bankfeeds.normalise(once.transactions, today=TODAY)
    assert twice.changes == []
    assert list(twice.transactions) == list(once.transactions)


def test_options_turn_steps_off() -> None:
    result = bankfeeds.normalise(
        messy(), today=TODAY, trim=False, dedupe=False, infer_types=False, sort=False
    )
    assert result.changes == []
    assert [t.id for t in result.transactions] == ["c", "a", "b", "a"]
    assert {i.code for i in result.report.errors} == {"duplicate_id", "not_chronological"}


def test_conflicting_duplicates_are_refused() -> None:
    rows = messy()
    rows[3]["amount"] = "2500.01"
    result = bankfeeds.normalise(rows, today=TODAY)
    assert codes(result.report) == [(3, "id", "conflicting_duplicate")]
    assert "amount" in result.report.errors[0].message


def test_fill_from_closing_computes_every_balance() -> None:
    rows = [{k: v for k, v in r.items() if k != "balance"} for r in chain_rows()]
    result = bankfeeds.normalise(rows, platform="xero", today=TODAY, fill_from_closing=Decimal("2400.00"))
    assert result.is_valid
    assert [t.balance for t in result.transactions] == [Decimal("2500.00"), Decimal("2496.80"), Decimal("2400.00")]
    assert result.changes[-1].kind == "balances_computed"
    forward = bankfeeds.normalise(rows, platform="xero", today=TODAY, fill_from_opening="100")
    assert forward.transactions[-1].balance == Decimal("2500.00")


def test_fill_replaces_balances_that_do_not_follow() -> None:
    rows = chain_rows()
    rows[1]["balance"] = Decimal("1.00")
    result = bankfeeds.normalise(rows, platform="xero", today=TODAY, fill_from_opening=0)
    replaced = [c for c in result.changes if c.kind == "balance_replaced"]
    assert [(c.row, c.before, c.after) for c in replaced] == [(1, "1.00", "2496.80")]


def test_both_anchors_is_a_configuration_error() -> None:
    with pytest.raises(bankfeeds.ConfigurationError, match="not both"):
        bankfeeds.normalise(chain_rows(), fill_from_opening=0, fill_from_closing=0)


def test_strict_raises_with_the_report() -> None:
    rows = chain_rows()
    rows[2]["amount"] = "x"
    assert not bankfeeds.normalise(rows, today=TODAY).is_valid
    with pytest.raises(bankfeeds.ValidationError) as caught:
        bankfeeds.normalise(rows, today=TODAY, strict=True)
    err = caught.value
    assert (err.row, err.field, err.report.errors[0].code, err.id) == (2, "amount", "invalid_number", "t3")
    assert err.report.error_count == 1
    with pytest.raises(bankfeeds.ValidationError):
        bankfeeds.normalise(rows, today=TODAY).raise_for_errors()
    assert bankfeeds.normalise(chain_rows(), today=TODAY, strict=True).is_valid


def test_outputs_agree() -> None:
    result = bankfeeds.normalise(chain_rows(), platform="xero", today=TODAY)
    dicts = result.to_dicts()
    assert dicts == [t.to_dict() for t in result.transactions]
    assert dicts[0]["amount"] == Decimal("2500.00") and str(dicts[0]["amount"]) == "2500.00"
    assert dicts[2]["date"] == dt.datetime(2024, 5, 3, 18, 45, 10)
    table = result.to_arrow(source_row=True)
    assert table.schema.field("amount").type == pa.decimal128(38, 2)
    assert table.schema.field("date").type == pa.timestamp("us")
    assert table.column("source_row").to_pylist() == [0, 1, 2]
    assert table.drop_columns(["source_row"]).to_pylist() == dicts
    assert result.to_arrow().column_names == [
        "id", "date", "description", "counterparty", "reference", "reconciled", "amount", "balance", "transaction_type"
    ]


def test_arrow_output_keeps_every_digit_at_one_scale() -> None:
    rows = [
        {"id": "a", "date": "2024-05-01", "amount": Decimal("1.5")},
        {"id": "b", "date": "2024-05-02", "amount": Decimal("4002.125")},
    ]
    table = bankfeeds.normalise(rows, today=TODAY).to_arrow()
    assert table.schema.field("amount").type == pa.decimal128(38, 3)
    assert table.column("amount").to_pylist() == [Decimal("1.500"), Decimal("4002.125")]


def test_batches_and_push_bodies_follow_the_platform() -> None:
    rows = [{"id": f"t{i}", "date": "2024-05-01", "amount": "1.00", "accountId": "acc-9"} for i in range(2500)]
    result = bankfeeds.normalise(rows, today=TODAY)
    assert result.account_id == "acc-9"
    assert result.batch_size == 1000
    assert [len(b) for b in result.batches()] == [1000, 1000, 500]
    assert result.batches()[2].source_rows == list(range(2000, 2500))
    bodies = result.push_bodies()
    assert [(b.account_id, len(b)) for b in bodies] == [("acc-9", 1000), ("acc-9", 1000), ("acc-9", 500)]
    assert result.push_bodies("other")[0].account_id == "other"
    small = bankfeeds.normalise(rows, today=TODAY, batch_size=700)
    assert [len(b) for b in small.batches()] == [700, 700, 700, 400]
    anonymous = bankfeeds.normalise(chain_rows(), today=TODAY)
    with pytest.raises(bankfeeds.ConfigurationError, match="account_id"):
        anonymous.push_bodies()


def test_normalise_file(tmp_path: Path) -> None:
    body = {
        "accountId": "acc-7",
        "transactions": [
            {"id": "b", "date": "2024-05-02", "amount": -3.20, "balance": 2496.80},
            {"id": "a", "date": "2024-05-01", "amount": 2500.00, "balance": 2500.00},
        ],
    }
    path = tmp_path / "push.json"
    path.write_text(json.dumps(body))
    result = bankfeeds.normalise_file(path, platform="xero", today=TODAY)
    assert result.account_id == "acc-7"
    assert [t.id for t in result.transactions] == ["a", "b"]
    assert result.is_valid
    with pytest.raises(bankfeeds.ValidationError):
        bankfeeds.normalise_file(b"id,date,amount\nt1,2024-05-01,x\n", today=TODAY, strict=True)


def test_big_lists_stream_to_the_same_result() -> None:
    # Lists of dicts past a few thousand rows are read and ingested in overlapped chunks; a tuple
    # takes the one-pass path. Both must say the same thing about the same rows.
    rows: list[Any] = [
        {"id": f"t{i}", "date": f"2024-05-{1 + i % 28:02d}", "amount": Decimal(i % 50) - 25} for i in range(10_000)
    ]
    rows[3000]["memo"] = "x"
    rows[5000] = None
    rows[7000]["amount"] = "7,00"
    rows[9000] = bankfeeds.Transaction("typed", "2024-05-09", Decimal("1.00"))
    streamed = bankfeeds.normalise(rows, today=TODAY)
    one_pass = bankfeeds.normalise(tuple(rows), today=TODAY)
    assert streamed.report == one_pass.report
    assert streamed.changes == one_pass.changes
    assert list(streamed.transactions) == list(one_pass.transactions)
    assert streamed.source_rows == one_pass.source_rows
    assert {(i.row, i.code) for i in streamed.report.errors} >= {(5000, "invalid_value"), (7000, "invalid_number")}
    assert [(w.row, w.found) for w in streamed.report.with_code("unknown_column")] == [(3000, "memo")]
    assert bankfeeds.validate(rows, today=TODAY) == bankfeeds.validate(tuple(rows), today=TODAY)


def test_dict_keys_in_any_order_read_as_through_the_mapping_protocol() -> None:
    # Dicts are read with each key's field remembered by its place in the dict; rows whose keys
    # change order, spelling, number and identity (keys built anew each row) must read as any
    # other mapping's, which is read key by key.
    from types import MappingProxyType

    rows: list[dict[str, Any]] = []
    for i in range(9000):
        fields: list[tuple[str, Any]] = [
            ("id", f"id-{i}"),
            ("date", dt.datetime(2024, 1, 1) + dt.timedelta(minutes=i)),
            ("amount", Decimal(i % 201 - 100).scaleb(-2)),
            ("transactionType" if i % 5 else "transaction_type", "Debit" if i % 2 else "Credit"),
        ]
        if i % 7 == 0:
            fields.insert(i % 4, ("memo", i))
        if i % 11 == 0:
            fields.append(("".join(["desc", "ription"]), f"row {i}"))  # a new key object each row
        if i % 1000 == 999:
            fields.append(("Amount", Decimal("1.00")))  # a field named twice: the row is refused
        if i % 3 == 0:
            fields.reverse()
        rows.append(dict(fields))
    kwargs: dict[str, Any] = {"platform": "xero", "today": dt.date(2024, 2, 1)}
    by_place = bankfeeds.normalise(rows, **kwargs)
    by_mapping = bankfeeds.normalise([MappingProxyType(r) for r in rows], **kwargs)
    assert {"unknown_column", "malformed_input"} <= {i.code for i in by_place.report.issues}
    assert by_place.report == by_mapping.report
    assert by_place.changes == by_mapping.changes
    assert by_place.source_rows == by_mapping.source_rows
    assert by_place.to_arrow().equals(by_mapping.to_arrow())
    assert bankfeeds.validate(rows, **kwargs) == bankfeeds.validate([MappingProxyType(r) for r in rows], **kwargs)
