"""Arrow input read in Rust: every supported column type, exactly, and the same findings as
dicts and typed objects."""

from __future__ import annotations

import ctypes
import datetime as dt
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest

import bankfeeds
from conftest import TODAY, chain_rows


def base(n: int = 2, **columns: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": [f"t{i}" for i in range(n)],
        "date": pa.array([dt.date(2024, 5, 1 + i) for i in range(n)], pa.date32()),
        "amount": pa.array([Decimal("1.00")] * n, pa.decimal128(18, 2)),
    }
    data.update(columns)
    return data


def normalise_table(data: dict[str, Any]) -> bankfeeds.Normalised:
    return bankfeeds.normalise(pa.table(data), today=TODAY, sort=False)


@pytest.mark.parametrize(
    "array, expected",
    [
        (pa.array([Decimal("4002.00"), Decimal("-0.01")], pa.decimal128(18, 2)), ["4002.00", "-0.01"]),
        (pa.array([Decimal("4002.00"), Decimal("-0.01")], pa.decimal256(40, 2)), ["4002.00", "-0.01"]),
        (pa.array([12, -3], pa.decimal128(10, 0)), ["12", "-3"]),
        (pa.array(["12.30", "-1e2"], pa.string()), ["12.30", "-100"]),
        (pa.array(["12.30", "7"], pa.large_string()), ["12.30", "7"]),
        (pa.array(["12.30", "7"], pa.string_view()), ["12.30", "7"]),
        (pa.array([12, -7], pa.int64()), ["12", "-7"]),
        (pa.array([12, 7], pa.uint8()), ["12", "7"]),
        (pa.array([0.5, -12.75], pa.float64()), ["0.5", "-12.75"]),
        (pa.array([0.5, -12.75], pa.float32()), ["0.5", "-12.75"]),
    ],
)
def test_amount_columns_are_exact(array: pa.Array, expected: list[str]) -> None:
    result = normalise_table(base(amount=array))
    assert result.report.is_valid, list(result.report)
    assert [str(t.amount) for t in result.transactions] == expected


def test_decimal_beyond_28_digits_is_a_finding() -> None:
    array = pa.array([Decimal("1.00"), Decimal("1" * 30 + ".00")], pa.decimal128(38, 2))
    report = bankfeeds.validate(pa.table(base(amount=array)), today=TODAY)
    assert [(i.row, i.field, i.code) for i in report.errors] == [(1, "amount", "invalid_number")]


def test_float_columns_follow_the_exact_policy() -> None:
    array = pa.array([0.5, 0.1], pa.float64())
    report = bankfeeds.validate(pa.table(base(amount=array)), today=TODAY)
    (issue,) = report.errors
    assert (issue.row, issue.field, issue.code) == (1, "amount", "invalid_number")
    assert "0.1" in issue.message


def test_nan_and_infinity_in_float_columns() -> None:
    array = pa.array([float("nan"), float("inf")], pa.float64())
    report = bankfeeds.validate(pa.table(base(amount=array)), today=TODAY)
    assert [(i.row, i.code) for i in report.errors] == [(0, "invalid_number"), (1, "invalid_number")]


@pytest.mark.parametrize(
    "array, expected",
    [
        (pa.array([dt.date(2024, 5, 1), dt.date(2024, 5, 2)], pa.date32()), ["2024-05-01", "2024-05-02"]),
        (pa.array([dt.date(2024, 5, 1), dt.date(2024, 5, 2)], pa.date64()), ["2024-05-01", "2024-05-02"]),
        (
            pa.array([dt.datetime(2024, 5, 1, 9, 30), dt.datetime(2024, 5, 2, 23, 59, 59, 500000)], pa.timestamp("us")),
            ["2024-05-01T09:30:00", "2024-05-02T23:59:59.500"],
        ),
        (
            pa.array([dt.datetime(2024, 5, 1, 9, 30), dt.datetime(2024, 5, 2)], pa.timestamp("s")),
            ["2024-05-01T09:30:00", "2024-05-02T00:00:00"],
        ),
        (
            pa.array([dt.datetime(2024, 5, 1, 9, 30), dt.datetime(2024, 5, 2)], pa.timestamp("ns")),
            ["2024-05-01T09:30:00", "2024-05-02T00:00:00"],
        ),
        (pa.array(["2024-05-01", "2024-05-02T10:00"], pa.string()), ["2024-05-01", "2024-05-02T10:00"]),
    ],
)
def test_date_columns(array: pa.Array, expected: list[str]) -> None:
    result = normalise_table(base(date=array))
    assert result.report.is_valid, list(result.report)
    assert [t.date_text for t in result.transactions] == expected


def test_tz_aware_timestamps_keep_the_wall_clock_in_their_zone() -> None:
    # 2024-04-01 03:30 UTC is 2024-03-31 23:30 in New York (EDT, -04:00).
    instant = dt.datetime(2024, 4, 1, 3, 30, tzinfo=dt.timezone.utc)
    for tz in ("America/New_York", "-04:00"):
        array = pa.array([instant, instant], pa.timestamp("us", tz=tz))
        result = normalise_table(base(date=array))
        assert [t.date for t in result.transactions] == [dt.datetime(2024, 3, 31, 23, 30)] * 2
        warnings = result.report.with_code("offset_dropped")
        assert [(w.row, w.field) for w in warnings] == [(0, "date"), (1, "date")]
        assert "-04:00" in warnings[0].message
    utc = normalise_table(base(date=pa.array([instant, instant], pa.timestamp("ms", tz="UTC"))))
    assert utc.transactions[0].date == dt.datetime(2024, 4, 1, 3, 30)
    assert utc.report.with_code("offset_dropped") == []


def test_other_columns() -> None:
    data = base(
        description=pa.array(["Coffee", None], pa.string()),
        counterparty=pa.array(["Cafe", "Shop"]).dictionary_encode(),
        reconciled=pa.array([True, None], pa.bool_()),
        transaction_type=pa.array(["Debit", "credit"], pa.large_string()),
        balance=pa.array([None, Decimal("5.5")], pa.decimal128(10, 1)),
        reference=pa.array([None, None], pa.null()),
    )
    data["amount"] = pa.array([Decimal("-1.00"), Decimal("1.00")], pa.decimal128(18, 2))
    txs = normalise_table(data).transactions
    assert [(t.description, t.counterparty, t.reconciled, t.transaction_type) for t in txs] == [
        ("Coffee", "Cafe", True, "Debit"),
        (None, "Shop", None, "Credit"),
    ]
    assert [t.balance for t in txs] == [None, Decimal("5.5")]
    assert [t.reference for t in txs] == [None, None]


def test_nulls_in_required_columns_are_missing_fields() -> None:
    data = base(amount=pa.array([Decimal("1.00"), None], pa.decimal128(18, 2)))
    data["id"] = ["a", None]
    report = bankfeeds.validate(pa.table(data), today=TODAY)
    assert [(i.row, i.field, i.code) for i in report.errors] == [(1, "id", "missing_field"), (1, "amount", "missing_field")]


def test_missing_columns_are_missing_fields() -> None:
    report = bankfeeds.validate(pa.table({"id": ["a"], "amount": ["1"]}), today=TODAY)
    assert [(i.row, i.field, i.code) for i in report.errors] == [(0, "date", "missing_field")]


def test_unknown_columns_are_one_warning() -> None:
    data = base(memo=pa.array([[1], [2]]))
    report = bankfeeds.validate(pa.table(data), today=TODAY)
    assert [(w.row, w.code, w.found) for w in report] == [(0, "unknown_column", "memo")]


@pytest.mark.parametrize(
    "column, array, arrow_type",
    [
        ("amount", pa.array([[1], [2]]), "List"),
        ("date", pa.array([b"x", b"y"], pa.binary()), "Binary"),
        ("Transaction Type", pa.array([{"a": 1}, {"a": 2}]), "Struct"),
        ("balance", pa.array([1, 2], pa.duration("s")), "Duration"),
        ("date", pa.array([1, 2], pa.time32("s")), "Time32"),
    ],
)
def test_a_column_no_field_takes_is_a_schema_error(column: str, array: pa.Array, arrow_type: str) -> None:
    data = base()
    data[column] = array
    with pytest.raises(bankfeeds.SchemaError) as caught:
        bankfeeds.validate(pa.table(data), today=TODAY)
    err = caught.value
    assert isinstance(err, bankfeeds.ValidationError) and isinstance(err, TypeError)
    assert err.column == column
    assert f"column `{column}`" in str(err) and arrow_type in str(err)
    assert err.report.issues[0].code == "malformed_input"
    assert err.field == err.report.issues[0].field


def test_a_column_of_the_wrong_kind_is_a_finding_on_each_row() -> None:
    data = base(amount=pa.array([True, False]))
    report = bankfeeds.validate(pa.table(data), today=TODAY)
    assert [(i.row, i.field, i.code) for i in report.errors] == [(0, "amount", "invalid_number"), (1, "amount", "invalid_number")]
    assert "not a boolean" in report.errors[0].message


def test_unknown_time_zone_is_a_schema_error() -> None:
    schema = pa.schema([("id", pa.string()), ("date", pa.timestamp("s", tz="Mars/Olympus")), ("amount", pa.string())])
    table = pa.Table.from_arrays(
        [pa.array(["a"]), pa.array([0], pa.int64()).cast(pa.timestamp("s")), pa.array(["1"])], names=["id", "d", "amount"]
    )
    try:
        table = table.rename_columns(["id", "date", "amount"]).cast(schema)
    except pa.ArrowInvalid:
        pytest.skip("this pyarrow refuses unknown zones itself")
    with pytest.raises(bankfeeds.SchemaError, match="Mars/Olympus"):
        bankfeeds.validate(table, today=TODAY)


def text_dates() -> list[dict[str, Any]]:
    return [dict(r, date=str(r["date"])) for r in chain_rows()]


def test_record_batches_readers_and_chunks() -> None:
    table = pa.Table.from_pylist(text_dates())
    table = pa.Table.from_batches(table.to_batches(max_chunksize=1))
    assert table.column("amount").num_chunks == 3
    expected = bankfeeds.validate(text_dates(), platform="xero", today=TODAY)
    assert bankfeeds.validate(table, platform="xero", today=TODAY) == expected
    batch = pa.Table.from_pylist(text_dates()).to_batches()[0]
    assert bankfeeds.validate(batch, platform="xero", today=TODAY) == expected
    reader = pa.RecordBatchReader.from_batches(table.schema, table.to_batches())
    assert bankfeeds.validate(reader, platform="xero", today=TODAY) == expected
    sliced = pa.Table.from_pylist(text_dates()).slice(1, 2)
    assert [t.id for t in bankfeeds.normalise(sliced, today=TODAY).transactions] == ["t2", "t3"]


def test_a_large_batch_typed_in_pieces_gives_what_small_batches_give() -> None:
    """A batch of 100,000 rows is typed in pieces on several threads (from 32,768 rows a
    piece); batches of 10,000 are not. Bad values, a second account and an unknown column on
    both sides of each cut give the same findings, rows and transactions."""
    n = 100_000
    bad = {5, 33_000, 49_999, 50_000, 66_666, 99_999}
    rows: list[dict[str, Any]] = [
        {
            "id": f"t{i}",
            "date": dt.datetime(2024, 1, 1) + dt.timedelta(minutes=i),
            "description": f"row {i}",
            "amount": "oops" if i in bad else f"{i % 100}.01",
            "accountId": "acc-2" if i in (50_001, 70_000) else "acc-1",
            "memo": "x",
        }
        for i in range(n)
    ]
    rows[33_001]["id"] = "t5"
    whole = pa.Table.from_pylist(rows)
    assert whole.column("id").num_chunks == 1
    small = pa.Table.from_batches(whole.to_batches(max_chunksize=10_000))
    kwargs: dict[str, Any] = {"today": TODAY, "sort": False}
    by_pieces = bankfeeds.normalise(whole, **kwargs)
    by_small = bankfeeds.normalise(small, **kwargs)
    assert by_pieces.report == by_small.report
    assert list(by_pieces.transactions) == list(by_small.transactions)
    assert by_pieces.source_rows == by_small.source_rows
    codes = {(i.code, i.row) for i in by_pieces.report.issues}
    assert {("invalid_number", r) for r in bad} <= codes
    assert ("multiple_accounts", 50_001) in codes
    assert ("unknown_column", 0) in codes
    assert bankfeeds.validate(whole, today=TODAY) == bankfeeds.validate(small, today=TODAY)


def test_transaction_types_read_by_name_from_dicts_as_from_arrow() -> None:
    """A `transaction_type` that is exactly a type's name is set without copying its text; any
    other spelling, a `str` subclass or a non-`str` is read as before. 5,000 rows take the
    path that reads dicts on one thread while the core types them on another."""

    class Label(str):
        pass

    spellings: list[Any] = ["Debit", "Credit", "Unknown", "Fee", "SerChg", "DirectDep", "Xfer", "Payment"]
    spellings += ["debit", " Credit ", "Nonsense", "", Label("Fee"), Label("nonsense"), None]
    rows = [
        {"id": f"t{i}", "date": dt.date(2024, 5, 1), "amount": "1.00",
         "transaction_type": spellings[i % len(spellings)]}
        for i in range(5_000)
    ]
    plain = [dict(r, transaction_type=None if r["transaction_type"] is None else str(r["transaction_type"])) for r in rows]
    by_dicts = bankfeeds.normalise(rows, today=TODAY, sort=False)
    by_arrow = bankfeeds.normalise(pa.Table.from_pylist(plain), today=TODAY, sort=False)
    typed = [t.transaction_type for t in by_dicts.transactions]
    assert typed == [t.transaction_type for t in by_arrow.transactions]
    assert {"Debit", "Credit", "Fee", "DirectDep"} <= set(typed)
    assert by_dicts.report == by_arrow.report
    assert by_dicts.changes == by_arrow.changes
    assert any(i.field == "transactionType" for i in by_dicts.report.issues)


def test_a_plain_array_is_not_a_table() -> None:
    with pytest.raises(TypeError, match="not a table"):
        bankfeeds.validate(pa.array([1, 2]))


def test_dicts_typed_objects_and_arrow_give_identical_results() -> None:
    rows = chain_rows()
    # One scale per column, as Arrow keeps decimals: a 0.001 among cents would become 0.010 and
    # -96.80 -96.800 in the table, and messages would print the longer scale.
    rows.append({"id": "t4", "date": "2024-06-02T08:00:00", "amount": Decimal("0.01"), "balance": Decimal("2400.02")})
    rows.append({"id": "t5", "date": "2024-05-03", "amount": Decimal("-1.00"), "description": " padded "})
    rows.append({"id": "t2", "date": "2024-05-02", "amount": Decimal("-3.20"), "balance": Decimal("2496.80"),
                 "description": "Coffee", "transaction_type": "Debit"})
    for r in rows:
        if isinstance(r["date"], str):
            r["date"] = dt.datetime.fromisoformat(r["date"])
    table = pa.Table.from_pylist(rows)
    typed = [bankfeeds.Transaction.from_dict(r) for r in rows]
    kwargs: dict[str, Any] = {"platform": "xero", "today": TODAY, "account": {"currency": "GBP", "sort_code": "123456"}}
    by_dicts = bankfeeds.normalise(rows, **kwargs)
    by_arrow = bankfeeds.normalise(table, **kwargs)
    by_typed = bankfeeds.normalise(typed, **kwargs)
    assert not by_dicts.is_valid
    for other in (by_arrow, by_typed):
        assert other.report == by_dicts.report
        assert other.changes == by_dicts.changes
        assert list(other.transactions) == list(by_dicts.transactions)
        assert other.source_rows == by_dicts.source_rows
        assert other.to_arrow().equals(by_dicts.to_arrow())
    assert bankfeeds.validate(table, **kwargs) == bankfeeds.validate(rows, **kwargs) == bankfeeds.validate(typed, **kwargs)


def test_round_trip_through_arrow_is_exact() -> None:
    result = bankfeeds.normalise(chain_rows(), platform="xero", today=TODAY)
    again = bankfeeds.normalise(result.to_arrow(), platform="xero", today=TODAY)
    assert list(again.transactions) == list(result.transactions)
    assert [str(t.amount) for t in again.transactions] == ["2500.00", "-3.20", "-96.80"]


# ---- batches that do not match their schema ----------------------------------------------------
# Other libraries hand Arrow data over as C structs (the PyCapsule interface). A batch whose arrays
# do not match the types its schema declares is refused before any value is read, with the column
# when there is one; it is never read past the end of a buffer, nor a panic.


class CArray(ctypes.Structure):
    pass


CArray._fields_ = [
    ("length", ctypes.c_int64),
    ("null_count", ctypes.c_int64),
    ("offset", ctypes.c_int64),
    ("n_buffers", ctypes.c_int64),
    ("n_children", ctypes.c_int64),
    ("buffers", ctypes.POINTER(ctypes.c_void_p)),
    ("children", ctypes.POINTER(ctypes.POINTER(CArray))),
    ("dictionary", ctypes.POINTER(CArray)),
    ("release", ctypes.c_void_p),
    ("private_data", ctypes.c_void_p),
]

_capsule_pointer = ctypes.pythonapi.PyCapsule_GetPointer
_capsule_pointer.restype = ctypes.c_void_p
_capsule_pointer.argtypes = [ctypes.py_object, ctypes.c_char_p]


class Exported:
    """Hands over one batch through ``__arrow_c_array__``: the schema of `schema_of` with the
    array of `array_of` (the same batch unless given), after `tamper` has changed the array's C
    struct (only ever lowering a count, so the producer's release callback stays safe)."""

    def __init__(self, schema_of: pa.RecordBatch, array_of: pa.RecordBatch | None = None, tamper: Any = None) -> None:
        self.schema_of = schema_of
        self.array_of = array_of if array_of is not None else schema_of
        self.tamper = tamper

    def __arrow_c_array__(self, requested_schema: Any = None) -> tuple[Any, Any]:
        schema, _ = self.schema_of.__arrow_c_array__()
        _, array = self.array_of.__arrow_c_array__()
        if self.tamper is not None:
            self.tamper(CArray.from_address(_capsule_pointer(array, b"arrow_array")))
        return schema, array


def decimal_batch(n: int = 2) -> pa.RecordBatch:
    return pa.record_batch(base(n, date=pa.array(["2024-05-01"] * n)))


def refused(data: Any, column: str | None, words: str) -> None:
    with pytest.raises(bankfeeds.SchemaError) as caught:
        bankfeeds.validate(data, today=TODAY)
    assert caught.value.column == column, str(caught.value)
    assert words in str(caught.value), str(caught.value)
    assert caught.value.report.issues[0].code == "malformed_input"


def test_arrays_of_another_type_than_the_schema_says() -> None:
    batch = decimal_batch()
    # int64 values read as decimal128 would be read 16 bytes at a time from an 8-byte-wide buffer.
    ints = pa.record_batch(base(2, date=pa.array(["2024-05-01"] * 2), amount=pa.array([1, 2], pa.int64())))
    refused(Exported(batch, ints), "amount", "has more than 18 digits")
    text = pa.record_batch(base(2, date=pa.array(["2024-05-01"] * 2), amount=pa.array(["1", "2"])))
    refused(Exported(batch, text), "amount", "3 buffers where the type has 2")
    fewer = pa.record_batch({"id": ["a", "b"], "date": ["2024-05-01"] * 2})
    refused(Exported(batch, fewer), None, "2 children where the type has 3")


def _children(a: CArray) -> list[CArray]:
    return [a.children[i].contents for i in range(a.n_children)]


@pytest.mark.parametrize(
    "tamper, column, words",
    [
        (lambda a: setattr(_children(a)[2], "length", -1), "amount", "negative length (-1)"),
        (lambda a: setattr(_children(a)[0], "offset", 2**62), "id", "a length of 2 from offset"),
        (lambda a: setattr(a, "length", 5), None, "does not match its schema"),
        (lambda a: setattr(a, "n_children", 2), None, "2 children where the type has 3"),
        (lambda a: setattr(_children(a)[2], "n_buffers", 1), "amount", "1 buffers where the type has 2"),
        (lambda a: setattr(_children(a)[2], "null_count", 1), "amount", "1 nulls declared without a validity bitmap"),
        (lambda a: setattr(_children(a)[2], "null_count", 3), "amount", "3 nulls in 2 values"),
        (lambda a: setattr(_children(a)[0], "n_buffers", 0), "id", "0 buffers where the type has 3"),
    ],
    ids=["negative length", "overflowing offset", "longer than its columns", "a column missing", "a buffer missing",
         "nulls without a bitmap", "more nulls than values", "no buffers"],
)
def test_a_batch_whose_c_structs_do_not_match_its_schema(tamper: Any, column: str | None, words: str) -> None:
    refused(Exported(decimal_batch(), tamper=tamper), column, words)
    # The module is unharmed: the same batch untouched reads as ever.
    assert bankfeeds.validate(Exported(decimal_batch()), today=TODAY).is_valid


def test_text_that_is_not_utf8() -> None:
    bad = pa.Array.from_buffers(pa.string(), 2, [None, pa.py_buffer(bytes([0, 0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 0])), pa.py_buffer(b"a\xff\xfe")])
    refused(pa.table(base(2, id=bad)), "id", "Invalid UTF8")
    refused(Exported(pa.record_batch(base(2, id=bad))), "id", "Invalid UTF8")


def test_a_large_batchs_columns_are_checked_as_one_by_one() -> None:
    """A batch large enough for its columns to be checked at once, each on a thread of its own,
    is refused as checking them one by one refuses it: for the first column that fails the full
    check, before any decimal beyond its precision."""
    n = 70_000
    offsets = pa.py_buffer(b"".join(i.to_bytes(4, "little") for i in range(n + 1)))
    not_utf8 = pa.Array.from_buffers(pa.string(), n, [None, offsets, pa.py_buffer(b"a" * (n - 1) + b"\xff")])
    cents = b"".join((100).to_bytes(16, "little", signed=True) for _ in range(n - 1))
    too_wide = pa.Array.from_buffers(
        pa.decimal128(5, 2), n, [None, pa.py_buffer(cents + (10**12).to_bytes(16, "little", signed=True))]
    )
    ok = {
        "id": [f"t{i}" for i in range(n)],
        "date": pa.array([dt.date(2024, 5, 1)] * n, pa.date32()),
        "amount": pa.array([Decimal("1.00")] * n, pa.decimal128(5, 2)),
        "description": ["a"] * n,
        "counterparty": ["b"] * n,
    }
    assert bankfeeds.validate(pa.table(ok), today=TODAY).is_valid
    refused(pa.table({**ok, "description": not_utf8, "counterparty": not_utf8}), "description", "Invalid UTF8")
    refused(pa.table({**ok, "amount": too_wide, "counterparty": not_utf8}), "counterparty", "Invalid UTF8")
    refused(pa.table({**ok, "amount": too_wide}), "amount", f"the value at row {n - 1} has more than 5 digits")


def test_offsets_out_of_order() -> None:
    offsets = bytearray(bytes([0, 0, 0, 0, 4, 0, 0, 0, 2, 0, 0, 0]))
    text = pa.Array.from_buffers(pa.string(), 2, [None, pa.py_buffer(offsets), pa.py_buffer(b"abcd")])
    refused(pa.table(base(2, description=text)), "description", "offset")


def test_dictionary_keys_out_of_range() -> None:
    keys = pa.array([0, 7], pa.int32())
    categories = pa.DictionaryArray.from_arrays(keys, pa.array(["Credit", "Debit"]), safe=False)
    refused(pa.table(base(2, transaction_type=categories)), "transaction_type", "out of bounds")


def test_decimals_wider_than_their_precision() -> None:
    wide = (10**12).to_bytes(16, "little", signed=True) + (100).to_bytes(16, "little", signed=True)
    amounts = pa.Array.from_buffers(pa.decimal128(5, 2), 2, [None, pa.py_buffer(wide)])
    refused(pa.table(base(2, amount=amounts)), "amount", "the value at row 0 has more than 5 digits")
