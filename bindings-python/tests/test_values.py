"""Single values across the boundary: exact money, local dates, and bad input of every kind
reported with its row and field."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any

import pytest

import bankfeeds
from conftest import TODAY


def one(**fields: Any) -> dict[str, Any]:
    row: dict[str, Any] = {"id": "x1", "date": "2024-05-01", "amount": Decimal("1.00")}
    row.update(fields)
    return {k: v for k, v in row.items() if v is not ...}


def issues_for(row: dict[str, Any], *, at: int = 0) -> list[tuple[str | None, str]]:
    """(field, code) of every error on a row placed at position `at` of a batch."""
    good = one(id="ok")
    batch = [dict(good, id=f"ok{i}") for i in range(at)] + [row]
    report = bankfeeds.validate(batch, today=TODAY)
    assert all(i.row == at for i in report.errors), list(report.errors)
    return [(i.field, i.code) for i in report.errors]


class TestMoneyIsExact:
    def test_decimal_keeps_its_digits_and_scale(self) -> None:
        tx = bankfeeds.normalise([one(amount=Decimal("4002.00"))], today=TODAY).transactions[0]
        assert tx.amount == Decimal("4002.00")
        assert str(tx.amount) == "4002.00"
        assert tx.to_json() == '{"id":"x1","date":"2024-05-01","amount":4002.00,"transactionType":"Credit"}'

    @pytest.mark.parametrize(
        "value, expected",
        [
            (Decimal("-17.54"), "-17.54"),
            (Decimal("0.001"), "0.001"),
            ("12.30", "12.30"),
            ("-1.5e2", "-150"),
            (42, "42"),
            (0.5, "0.5"),
            (12.75, "12.75"),
            (-100.0, "-100"),
        ],
    )
    def test_accepted_amounts(self, value: Any, expected: str) -> None:
        result = bankfeeds.normalise([one(amount=value)], today=TODAY)
        assert result.report.is_valid, list(result.report)
        assert str(result.transactions[0].amount) == expected

    def test_float_that_is_not_exact_is_refused_with_the_way_out(self) -> None:
        report = bankfeeds.validate([one(amount=0.1)], today=TODAY)
        (issue,) = report.errors
        assert (issue.row, issue.id, issue.field, issue.code) == (0, "x1", "amount", "invalid_number")
        assert "0.1" in issue.message and "decimal or a string" in issue.message
        assert issue.found == "0.1"

    @pytest.mark.parametrize(
        "value, words",
        [
            (math.nan, "finite"),
            (math.inf, "finite"),
            (-math.inf, "finite"),
            (Decimal("NaN"), "finite"),
            (Decimal("sNaN"), "not a decimal number"),
            (Decimal("Infinity"), "finite"),
            (1e30, "too large"),
            (Decimal("1E+30"), "too large"),
            (10**40, "significant digits"),
            ("12,30", "not a decimal number"),
            ("abc", "not a decimal number"),
            ("£12.30", "not a decimal number"),
            ("1.00000000000000000000000000001", "significant digits"),
            (True, "must be a number, not a boolean"),
            ([1, 2], "must be a number, not a list"),
            ({"value": 1}, "must be a number, not a mapping"),
            (b"12", "must be a number, not bytes"),
            (dt.date(2024, 1, 1), "must be a number, not a date"),
            (object(), "must be a number, not a object"),
        ],
    )
    def test_bad_amounts_are_findings_naming_row_and_field(self, value: Any, words: str) -> None:
        report = bankfeeds.validate([one(id="ok"), one(amount=value)], today=TODAY)
        errors = report.errors
        assert [(i.row, i.id, i.field, i.code) for i in errors] == [(1, "x1", "amount", "invalid_number")]
        assert words in errors[0].message, errors[0].message

    def test_bad_balance_names_the_balance(self) -> None:
        assert issues_for(one(balance="1O.00"), at=2) == [("balance", "invalid_number")]
        assert issues_for(one(balance=math.nan)) == [("balance", "invalid_number")]

    def test_none_balance_is_simply_absent(self) -> None:
        tx = bankfeeds.normalise([one(balance=None)], today=TODAY).transactions[0]
        assert tx.balance is None


class TestDatesAreLocal:
    def test_aware_datetime_keeps_its_wall_clock_day_and_warns(self) -> None:
        est = dt.timezone(dt.timedelta(hours=-5))
        row = one(date=dt.datetime(2024, 3, 31, 23, 30, tzinfo=est))
        result = bankfeeds.normalise([row], today=TODAY)
        tx = result.transactions[0]
        assert tx.date == dt.datetime(2024, 3, 31, 23, 30)
        assert tx.date.tzinfo is None
        assert tx.date_text == "2024-03-31T23:30:00"
        (warning,) = result.report.warnings
        assert (warning.code, warning.field, warning.row) == ("offset_dropped", "date", 0)
        assert "-05:00" in warning.message

    def test_iso_text_with_offset_stays_on_its_day(self) -> None:
        tx = bankfeeds.normalise([one(date="2024-03-31T23:30:00-05:00")], today=TODAY).transactions[0]
        assert tx.date == dt.datetime(2024, 3, 31, 23, 30)

    def test_utc_datetime_keeps_its_time_without_warning(self) -> None:
        row = one(date=dt.datetime(2024, 3, 31, 23, 30, tzinfo=dt.timezone.utc))
        result = bankfeeds.normalise([row], today=TODAY)
        assert result.transactions[0].date == dt.datetime(2024, 3, 31, 23, 30)
        assert result.report.warnings == []

    @pytest.mark.parametrize(
        "value, text",
        [
            (dt.date(2024, 5, 1), "2024-05-01"),
            (dt.datetime(2024, 5, 1, 10, 21), "2024-05-01T10:21:00"),
            (dt.datetime(2024, 5, 1, 10, 21, 0, 123000), "2024-05-01T10:21:00.123"),
            (dt.datetime(2024, 5, 1, 10, 21, 0, 123456), "2024-05-01T10:21:00.123456"),
            ("2024-05-01", "2024-05-01"),
            ("2023-09-06T09:13:40.2266667", "2023-09-06T09:13:40.2266667"),
        ],
    )
    def test_dates_are_sent_as_written(self, value: Any, text: str) -> None:
        tx = bankfeeds.normalise([one(date=value)], today=TODAY).transactions[0]
        assert tx.date_text == text

    def test_date_only_is_flagged(self) -> None:
        txs = bankfeeds.normalise([one(date="2024-05-01"), one(id="b", date="2024-05-01T10:00")], today=TODAY).transactions
        assert [t.date_only for t in txs] == [True, False]

    @pytest.mark.parametrize(
        "value, words",
        [
            ("2023-02-30", "February 2023 has no day 30"),
            ("2024-13-01", "month"),
            ("yesterday", "YYYY-MM-DD"),
            ("01/05/2024", "YYYY-MM-DD"),
            (20240501, "not an integer"),
            (1.5, "not a float"),
            (True, "not a boolean"),
        ],
    )
    def test_bad_dates_are_findings(self, value: Any, words: str) -> None:
        report = bankfeeds.validate([one(id="ok"), one(date=value)], today=TODAY)
        errors = report.errors
        assert [(i.row, i.field, i.code) for i in errors] == [(1, "date", "invalid_date")]
        assert words.lower() in errors[0].message.lower(), errors[0].message


class TestValuesReadFromTheirState:
    """Exact `Decimal`s, `datetime`s and `date`s are read from the object's state where the
    layout allows (small decimals, naive datetimes, dates), otherwise through their text: both
    routes give the same values, at the edges between them too."""

    @pytest.mark.parametrize(
        "text, expected",
        [
            ("123456789012345678", "123456789012345678"),  # 18 digits: read from the state
            ("1234567890123456789", "1234567890123456789"),  # 19: through the text
            ("-1.23456789012345678", "-1.23456789012345678"),
            ("-17.540", "-17.540"),
            ("0.0000000000000000000000000001", "1E-28"),  # 28 places
            ("9.99999999999999999E-11", "9.99999999999999999E-11"),
            ("5E+3", "5000"),  # a positive exponent: through the text
            ("1E+2", "100"),
            ("0.00", "0.00"),  # zero keeps its scale and sign
            ("-0.00", "-0.00"),
            ("-0", "-0"),
            ("12345678901234567890.12", "12345678901234567890.12"),
        ],
    )
    def test_decimals_keep_their_digits_at_every_size(self, text: str, expected: str) -> None:
        result = bankfeeds.normalise([one(amount=Decimal(text))], today=TODAY)
        assert result.report.errors == []
        assert str(result.transactions[0].amount) == expected

    def test_decimals_from_arithmetic_are_exact(self) -> None:
        amounts = [Decimal(c).scaleb(-2) for c in range(-5000, 5000, 37)]
        balances = [sum(amounts[: i + 1], Decimal("10000.00")) for i in range(len(amounts))]
        rows = [one(id=f"r{i}", amount=a, balance=b) for i, (a, b) in enumerate(zip(amounts, balances))]
        txs = bankfeeds.normalise(rows * 20, today=TODAY, dedupe=False).transactions
        assert [(t.amount, t.balance) for t in txs[: len(rows)]] == list(zip(amounts, balances))
        assert all(str(t.amount) == str(a) for t, a in zip(txs, amounts * 20))

    def test_a_decimal_with_too_many_places_names_row_and_field(self) -> None:
        report = bankfeeds.validate([one(id="ok"), one(amount=Decimal("1E-29"))], today=TODAY)
        (issue,) = report.errors
        assert (issue.row, issue.field, issue.code) == (1, "amount", "invalid_number")
        assert "29 significant digits" in issue.message

    @pytest.mark.parametrize(
        "value, text",
        [
            (dt.datetime(1, 1, 1), "0001-01-01T00:00:00"),
            (dt.datetime(9999, 12, 31, 23, 59, 59, 999999), "9999-12-31T23:59:59.999999"),
            (dt.datetime(2024, 11, 3, 1, 30, 0, 5, fold=1), "2024-11-03T01:30:00.000005"),
            (dt.date(1, 1, 1), "0001-01-01"),
            (dt.date(9999, 12, 31), "9999-12-31"),
        ],
    )
    def test_datetimes_and_dates_at_their_limits(self, value: Any, text: str) -> None:
        result = bankfeeds.normalise([one(date=value)], today=dt.date(9999, 12, 31))
        assert list(result.report) == []
        assert result.transactions[0].date_text == text

    @pytest.mark.parametrize(
        "fields, text",
        [
            ((1, 1, 1), "0001-01-01T00:00:00"),
            ((9999, 12, 31, 23, 59, 59, 999999), "9999-12-31T23:59:59.999999"),
            ((2024, 5, 1, 10, 21, 0, 123000), "2024-05-01T10:21:00.123"),
        ],
    )
    def test_a_datetime_subclass_is_read_by_its_fields_not_its_methods(self, fields: Any, text: str) -> None:
        class Liar(dt.datetime):
            @property
            def year(self) -> int:
                return 1999

            def __reduce__(self) -> Any:
                return (dt.datetime, (2020, 1, 1))

            def isoformat(self, sep: str = "T", timespec: str = "auto") -> str:
                return "2020-01-01T00:00:00"

        result = bankfeeds.normalise([one(date=Liar(*fields, fold=1))], today=dt.date(9999, 12, 31))
        assert list(result.report) == []
        assert result.transactions[0].date_text == text

    def test_an_aware_datetime_keeps_its_microseconds_and_warns(self) -> None:
        ist = dt.timezone(dt.timedelta(hours=5, minutes=30))
        result = bankfeeds.normalise([one(date=dt.datetime(2024, 5, 1, 10, 21, 0, 1, tzinfo=ist))], today=TODAY)
        assert result.transactions[0].date_text == "2024-05-01T10:21:00.000001"
        assert [(i.code, i.field, i.row) for i in result.report] == [("offset_dropped", "date", 0)]

    def test_many_rows_of_every_kind_of_date(self) -> None:
        """Enough rows for the path that reads dicts while the core ingests them."""
        utc = dt.timezone.utc
        values = [
            dt.datetime(2024, 5, 1, 10, 21, 0, 123456),
            dt.date(2024, 5, 2),
            dt.datetime(2024, 5, 3, 9, 30, tzinfo=utc),
            "2024-05-04T08:00:00",
        ]
        texts = ["2024-05-01T10:21:00.123456", "2024-05-02", "2024-05-03T09:30:00", "2024-05-04T08:00:00"]
        rows = [one(id=f"r{i}", date=values[i % 4]) for i in range(5000)]
        result = bankfeeds.normalise(rows, today=TODAY)
        assert list(result.report) == []
        assert {t.id: t.date_text for t in result.transactions} == {f"r{i}": texts[i % 4] for i in range(5000)}


class TestMissingAndWrong:
    @pytest.mark.parametrize("field", ["id", "date", "amount"])
    def test_missing_required_keys(self, field: str) -> None:
        row = one(**{field: ...})
        assert issues_for(row, at=1) == [(field, "missing_field")]

    @pytest.mark.parametrize("field", ["id", "date", "amount"])
    def test_none_required_values(self, field: str) -> None:
        assert issues_for(one(**{field: None})) == [(field, "missing_field")]

    def test_empty_text_is_missing(self) -> None:
        assert issues_for(one(amount="  ")) == [("amount", "missing_field")]

    def test_wrong_types_for_text_fields(self) -> None:
        assert issues_for(one(description=["a"])) == [("description", "invalid_value")]
        assert issues_for(one(reconciled="maybe")) == [("reconciled", "invalid_value")]
        assert issues_for(one(transaction_type="Refund")) == [("transactionType", "invalid_value")]

    def test_integer_ids_are_text(self) -> None:
        tx = bankfeeds.normalise([one(id=12345)], today=TODAY).transactions[0]
        assert tx.id == "12345"

    def test_rows_that_are_not_mappings_are_findings_in_place(self) -> None:
        rows: list[Any] = [one(id="a"), None, 42, one(id="b")]
        report = bankfeeds.validate(rows, today=TODAY)
        shape = [(i.row, i.field) for i in report.with_code("invalid_value")]
        assert shape == [(1, "transactions"), (2, "transactions")]
        assert "None" in report.with_code("invalid_value")[0].message
        assert {i.row for i in report.errors} == {1, 2}

    def test_unknown_keys_are_one_warning_each(self) -> None:
        rows = [one(id="a", memo="x"), one(id="b", memo="y", Notes=1)]
        warnings = bankfeeds.validate(rows, today=TODAY).with_code("unknown_column")
        assert [(w.row, w.found) for w in warnings] == [(0, "memo"), (1, "Notes")]

    def test_keys_are_matched_loosely(self) -> None:
        row = {"ID": "a", "Date": "2024-05-01", "Amount": "1.00", "Transaction Type": "Credit", "running_balance": "1.00"}
        result = bankfeeds.normalise([row], today=TODAY)
        assert result.report.is_valid
        tx = result.transactions[0]
        assert (tx.transaction_type, tx.balance) == ("Credit", Decimal("1.00"))

    def test_pending_rows_are_refused(self) -> None:
        assert issues_for(one(status="pending")) == [("status", "not_cleared")]
        assert issues_for(one(pending=True)) == [("status", "not_cleared")]
        assert issues_for(one(status="posted")) == []

    def test_every_bad_field_of_every_row_at_once(self) -> None:
        rows: list[dict[str, Any]] = [
            {"id": "a", "date": "2024-02-30", "amount": "x"},
            {"date": "2024-05-01", "amount": math.nan},
            {"id": "c", "date": "2024-05-01", "amount": "1.00"},
        ]
        report = bankfeeds.validate(rows, today=TODAY)
        got = [(i.row, i.field, i.code) for i in report.errors]
        assert got == [
            (0, "date", "invalid_date"),
            (0, "amount", "invalid_number"),
            (1, "amount", "invalid_number"),
            (1, "id", "missing_field"),
        ]


class TestHostileValues:
    """Values are read from what they are, never from what their own methods say, and a value
    that cannot be read is a finding on its row and field, never an exception."""

    @pytest.mark.parametrize("value", [10**5000, -(10**5000), 10**40], ids=["5000 digits", "-5000 digits", "41 digits"])
    def test_huge_ints_are_findings(self, value: int) -> None:
        report = bankfeeds.validate([one(id="ok"), one(amount=value, balance=value)], today=TODAY)
        assert [(i.row, i.field, i.code) for i in report.errors] == [(1, "amount", "invalid_number"), (1, "balance", "invalid_number")]
        assert "significant digits" in report.errors[0].message
        # Quoted as every input is: its start and its length (the core's 200-character excerpt).
        found = report.errors[0].found
        assert found is not None and len(found) < 250
        if abs(value) > 10**250:
            assert found.endswith(" characters)"), found

    def test_ints_beyond_64_bits_keep_their_digits(self) -> None:
        tx = bankfeeds.normalise([one(amount=2**70, id=10**30)], today=TODAY).transactions[0]
        assert (tx.amount, tx.id) == (Decimal(2**70), "1" + "0" * 30)

    def test_an_int_subclass_is_read_by_its_value(self) -> None:
        class Liar(int):
            def __str__(self) -> str:
                return "1"

        tx = bankfeeds.normalise([one(amount=Liar(10**20))], today=TODAY).transactions[0]
        assert tx.amount == Decimal(10**20)

    def test_a_decimal_subclass_is_read_by_its_digits(self) -> None:
        class Liar(Decimal):
            def __str__(self) -> str:
                return "1.00"

            def __repr__(self) -> str:
                return "Liar('1.00')"

        result = bankfeeds.normalise([one(amount=Liar("1.005"))], today=TODAY, account={"currency": "GBP"})
        assert [(i.field, i.code) for i in result.report.errors] == [("amount", "too_many_decimals")]
        tx = bankfeeds.normalise([one(amount=Liar("-17.54"))], today=TODAY).transactions[0]
        assert str(tx.amount) == "-17.54"

    def test_a_datetime_subclass_is_read_by_its_value(self) -> None:
        class Liar(dt.datetime):
            def isoformat(self, sep: str = "T", timespec: str = "auto") -> str:
                return "2020-01-01T00:00:00"

        aware = Liar(2024, 5, 1, 9, 30, tzinfo=dt.timezone.utc)
        naive = Liar(2024, 5, 2, 9, 30)
        txs = bankfeeds.normalise([one(id="a", date=aware), one(id="b", date=naive)], today=TODAY).transactions
        assert [t.date_text for t in txs] == ["2024-05-01T09:30:00", "2024-05-02T09:30:00"]

    def test_text_with_a_lone_surrogate_is_a_finding_naming_row_and_field(self) -> None:
        rows = [one(id="ok"), one(id="a\ud800"), one(id="a\udfff"), one(id="b", description="caf\udce9"), one(id="c", amount="1\ud800")]
        report = bankfeeds.validate(rows, today=TODAY)
        got = [(i.row, i.field, i.code) for i in report.errors]
        assert got == [(1, "id", "invalid_value"), (2, "id", "invalid_value"), (3, "description", "invalid_value"), (4, "amount", "invalid_number")]
        assert "lone surrogate (U+D800 at index 1)" in report.errors[0].message
        assert "U+DFFF" in report.errors[1].message
        # Neither row is kept as a copy of the other.
        assert len(bankfeeds.normalise(rows[:3], today=TODAY).transactions) == 1

    def test_a_key_with_a_lone_surrogate_is_an_unknown_column(self) -> None:
        report = bankfeeds.validate([one(**{"memo\ud800": "x"})], today=TODAY)
        assert report.is_valid
        (warning,) = report.with_code("unknown_column")
        assert warning.found == "memo\\ud800"


class TestNumericOptions:
    """Counts, indices and seconds: a bad one is a ConfigurationError naming it, never an
    OverflowError; counts beyond the most Codat takes count as that most."""

    @pytest.mark.parametrize("size", [0, -1, -(10**30)])
    def test_a_batch_size_below_one_is_refused(self, size: int) -> None:
        rows = [one(id=f"t{i}") for i in range(3)]
        with pytest.raises(bankfeeds.ConfigurationError, match="batch_size must be a whole number of at least 1"):
            bankfeeds.normalise(rows, today=TODAY, batch_size=size)
        with pytest.raises(bankfeeds.ConfigurationError, match="size must be a whole number of at least 1"):
            bankfeeds.batches(rows, size=size)
        with pytest.raises(bankfeeds.ConfigurationError, match="size must be a whole number of at least 1"):
            bankfeeds.push_bodies("acc", rows, size=size)
        txs = bankfeeds.normalise(rows, today=TODAY).transactions
        with pytest.raises(bankfeeds.ConfigurationError, match="size must be a whole number of at least 1"):
            txs.batches(size)
        with pytest.raises(bankfeeds.ConfigurationError, match="size must be a whole number of at least 1"):
            txs.push_bodies("acc", size)

    def test_a_huge_batch_size_is_the_most_a_push_takes(self) -> None:
        rows = [one(id=f"t{i}") for i in range(3)]
        assert bankfeeds.normalise(rows, today=TODAY, batch_size=10**30).batch_size == 1000
        assert [len(b) for b in bankfeeds.batches(rows, size=10**30)] == [3]
        assert [len(b) for b in bankfeeds.normalise(rows, today=TODAY).transactions.batches(2**64)] == [3]

    def test_any_whole_number_type_is_a_count(self) -> None:
        class Two:
            def __index__(self) -> int:
                return 2

        rows = [one(id=f"t{i}") for i in range(3)]
        assert [len(b) for b in bankfeeds.batches(rows, size=Two())] == [2, 1]  # type: ignore[arg-type]
        assert bankfeeds.normalise(rows, today=TODAY, batch_size=Two()).batch_size == 2  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="size must be an int, not bool"):
            bankfeeds.batches(rows, size=True)

    def test_a_batch_size_of_the_wrong_type_is_a_type_error(self) -> None:
        with pytest.raises(TypeError, match="batch_size must be an int, not str"):
            bankfeeds.normalise([one()], today=TODAY, batch_size="5")  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="size must be an int, not float"):
            bankfeeds.batches([one()], size=2.0)  # type: ignore[arg-type]

    @pytest.mark.parametrize("index", [10**30, -(10**30), 2**63, 3, -4])
    def test_an_index_out_of_range_is_an_index_error(self, index: int) -> None:
        txs = bankfeeds.normalise([one(id=f"t{i}") for i in range(3)], today=TODAY).transactions
        with pytest.raises(IndexError, match="out of range for 3 transactions"):
            txs[index]
        assert txs[-3].id == "t0"

    def test_client_options(self) -> None:
        with pytest.raises(bankfeeds.ConfigurationError, match="connect_timeout must be a number of seconds"):
            bankfeeds.Client("k", connect_timeout=10**400)
        with pytest.raises(bankfeeds.ConfigurationError, match="request_timeout"):
            bankfeeds.Client("k", request_timeout=-1)
        with pytest.raises(bankfeeds.ConfigurationError, match="max_attempts must be a whole number of at least 1, not -1"):
            bankfeeds.Client("k", max_attempts=-1)
        with pytest.raises(bankfeeds.ConfigurationError, match="max_attempts"):
            bankfeeds.Client("k", max_attempts=0)
        # Refused before anything is sent (nothing listens there).
        client = bankfeeds.Client("k", base_url="http://127.0.0.1:9", retries=False, connect_timeout=1, max_attempts=10**30)
        with pytest.raises(bankfeeds.ConfigurationError, match="page_size must be a whole number of at least 1, not -5"):
            client.list_companies(page_size=-5)
        with pytest.raises(bankfeeds.ConfigurationError, match="timeout_in_minutes must be a whole number of minutes"):
            client.create_bank_transactions("c", "k", {"account_id": "a", "transactions": []}, timeout_in_minutes=2**31)
        with pytest.raises(bankfeeds.ConfigurationError, match="timeout_in_minutes"):
            client.push_batch("c", "k", {"account_id": "a", "transactions": []}, timeout_in_minutes=0)
        with pytest.raises(bankfeeds.ConfigurationError, match="poll_interval must be a number of seconds"):
            client.wait_for_push_operation("c", "op", poll_interval=10**400)
        with pytest.raises(bankfeeds.ConfigurationError, match="batch_size must be a whole number of at least 1"):
            client.push_transactions("c", "k", "a", [one()], batch_size=-1)
        with pytest.raises(bankfeeds.ConfigurationError, match="wait_timeout"):
            client.push_transactions("c", "k", "a", [one()], wait_timeout=-(10**400))

    def test_model_values_that_cannot_be_sent_are_configuration_errors(self) -> None:
        client = bankfeeds.Client("k", base_url="http://127.0.0.1:9", retries=False, connect_timeout=1)
        with pytest.raises(bankfeeds.ConfigurationError, match="beyond 128 bits"):
            client.create_company({"name": "x", "tags": {"n": 10**5000}})
        with pytest.raises(bankfeeds.ConfigurationError, match="lone surrogate"):
            client.create_company({"name": "x\ud800"})

    def test_what_python_raises_while_a_model_is_read_propagates(self) -> None:
        class Interrupting(list[Any]):
            def __iter__(self) -> Any:
                raise KeyboardInterrupt

        client = bankfeeds.Client("k", base_url="http://127.0.0.1:9", retries=False, connect_timeout=1)
        with pytest.raises(KeyboardInterrupt):
            client.create_source_accounts("c", "k", Interrupting([{"id": "a"}]))


def _layouts_in_a_new_process(env_value: str | None) -> tuple[list[bool], str]:
    """`_object_layouts()` and the transactions of a few rows, in a fresh interpreter."""
    import json
    import os
    import subprocess
    import sys

    env = dict(os.environ)
    env.pop("BANKFEEDS_PYTHON_LAYOUTS", None)
    if env_value is not None:
        env["BANKFEEDS_PYTHON_LAYOUTS"] = env_value
    code = (
        "import datetime as dt, json\n"
        "from decimal import Decimal\n"
        "import bankfeeds\n"
        "rows = [{'id': f't{i}', 'date': dt.datetime(2024, 5, 1 + i, 9, 30, 0, 123456),\n"
        "         'amount': Decimal('-17.54') * i, 'balance': Decimal('100.10')} for i in range(5)]\n"
        "rows.append({'id': 'd', 'date': dt.date(2024, 5, 9), 'amount': Decimal('4002.00')})\n"
        "out = bankfeeds.normalise(rows, today=dt.date(2024, 6, 1))\n"
        "print(json.dumps(bankfeeds._bankfeeds._object_layouts()))\n"
        "print(json.dumps([(t.id, str(t.date), str(t.amount), str(t.balance))\n"
        "                  for t in out.transactions]))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    layouts, transactions = run.stdout.splitlines()
    read: list[bool] = json.loads(layouts)
    return read, transactions


def test_object_layouts_can_be_turned_off_and_read_the_same() -> None:
    """Values are read from CPython's object layouts once probed; BANKFEEDS_PYTHON_LAYOUTS=0
    keeps them on the public routes (__reduce__, str()), with the same transactions."""
    on, read_on = _layouts_in_a_new_process(None)
    off, read_off = _layouts_in_a_new_process("0")
    assert off == [False, False]
    assert read_on == read_off
    import platform
    import sys

    if platform.python_implementation() == "CPython" and sys.maxsize > 2**32:
        assert on == [True, True]
