"""validate(): every rule, every row, all findings at once, as data."""

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


def test_clean_rows_are_valid_for_xero(rows: list[dict[str, Any]]) -> None:
    report = bankfeeds.validate(rows, platform="xero", today=TODAY)
    assert report.is_valid and len(report) == 0 and report.issues == []
    assert repr(report) == "Report(0 error(s), 0 warning(s))"


def test_a_broken_chain_is_found_to_the_cent(rows: list[dict[str, Any]]) -> None:
    rows[1]["balance"] = Decimal("2496.81")
    report = bankfeeds.validate(rows, platform="xero", today=TODAY)
    assert codes(report) == [(1, "balance", "balance_mismatch"), (2, "balance", "balance_mismatch")]
    first = report.errors[0]
    assert (first.id, first.expected, first.found) == ("t2", "2496.80", "2496.81")
    assert first.is_error and first.severity == "error"


def test_rows_are_judged_as_given_without_sorting(rows: list[dict[str, Any]]) -> None:
    rows.reverse()
    report = bankfeeds.validate(rows, today=TODAY)
    assert [i.code for i in report.with_code("not_chronological")] == ["not_chronological"] * 2


def test_platform_rules_differ() -> None:
    rows = [{"id": "a", "date": "2024-05-01", "amount": "1.00"}]
    assert bankfeeds.validate(rows, platform="generic", today=TODAY).is_valid
    xero = bankfeeds.validate(rows, platform="xero", today=TODAY)
    assert codes(xero) == [(None, "balance", "missing_balance")]
    qbo = bankfeeds.validate(rows, platform="qbo", today=TODAY)
    assert {i.code for i in qbo} == {"missing_description", "missing_balance"}
    assert bankfeeds.validate(rows, platform="gbol", today=TODAY) == xero


def test_dates_are_judged_against_today() -> None:
    rows = [
        {"id": "old", "date": "2023-05-01", "amount": "1.00", "balance": "1.00"},
        {"id": "new", "date": "2024-06-02", "amount": "1.00", "balance": "2.00"},
    ]
    report = bankfeeds.validate(rows, platform="xero", today=TODAY)
    assert codes(report) == [(0, "date", "date_too_old"), (1, "date", "future_date")]
    assert bankfeeds.validate(rows, platform="xero", today="2024-06-02").with_code("future_date") == []
    later = bankfeeds.validate(rows, platform="xero", today=dt.datetime(2024, 6, 3, 1, 0))
    assert later.with_code("future_date") == []


def test_account_context(rows: list[dict[str, Any]]) -> None:
    account = bankfeeds.Account(id="acc-1", currency="GBP", status="pending", feed_start_date="2024-05-02")
    report = bankfeeds.validate(rows, platform="xero", today=TODAY, account=account)
    assert [(i.field, i.code) for i in report.errors] == [
        ("accountStatus", "account_not_connected"),
        ("date", "before_feed_start"),
    ]
    # The account's own rules are checked on their own, as when it is created.
    own = bankfeeds.validate_account(account, platform="xero")
    assert [(i.field, i.code) for i in own.errors] == [("sortCode", "sort_code_required")]
    assert bankfeeds.validate_account({"currency": "GBP", "sort_code": "12 34 56"}).is_valid
    assert [i.code for i in bankfeeds.validate_account({"currency": "GBP", "sort_code": "1234"})] == ["invalid_sort_code"]
    assert [i.code for i in bankfeeds.validate_account({"account_type": "Loan"}, platform="xero")] == [
        "unsupported_account_type"
    ]
    assert account.feed_start_date == dt.date(2024, 5, 2)
    as_dict = bankfeeds.validate(
        rows, platform="xero", today=TODAY, account={"currency": "GBP", "status": "connected", "sort_code": "12-34-56"}
    )
    assert as_dict.is_valid
    jpy = bankfeeds.validate(rows, today=TODAY, account=bankfeeds.Account(currency="JPY"))
    assert {(i.row, i.field, i.code) for i in jpy.errors} == {
        (1, "amount", "too_many_decimals"),
        (1, "balance", "too_many_decimals"),
        (2, "amount", "too_many_decimals"),
    }


def test_opening_balance_and_latest_existing(rows: list[dict[str, Any]]) -> None:
    ok = bankfeeds.validate(rows, platform="xero", today=TODAY, opening_balance=Decimal("0.00"))
    assert ok.is_valid
    off = bankfeeds.validate(rows, platform="xero", today=TODAY, opening_balance=0.5)
    assert codes(off)[0] == (0, "balance", "balance_mismatch")
    late = bankfeeds.validate(rows, platform="xero", today=TODAY, latest_existing=dt.datetime(2024, 5, 2, 12))
    # Xero compares days: row 1, earlier on the 2nd, is not older than the newest transaction.
    assert [i.row for i in late.with_code("older_than_latest")] == [0]
    qbo = bankfeeds.validate(rows, platform="qbo", today=TODAY, latest_existing=dt.datetime(2024, 5, 2, 12))
    assert [i.row for i in qbo.with_code("older_than_latest")] == [0, 1]


def test_country(rows: list[dict[str, Any]]) -> None:
    report = bankfeeds.validate(rows, platform="qbo", today=TODAY, country="GB")
    assert [i.code for i in report.with_code("unsupported_region")] == ["unsupported_region"]


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"platform": "quickbook"}, "unknown platform"),
        ({"today": "tomorrow"}, "today must be a date"),
        ({"opening_balance": 0.1}, "opening_balance is not an exact amount"),
        ({"opening_balance": "ten"}, "opening_balance is not an exact amount"),
        ({"latest_existing": 5}, "latest_existing"),
        ({"account": {"feed_start_date": "soon"}}, "feed_start_date"),
    ],
)
def test_unusable_options_raise_configuration_error(kwargs: dict[str, Any], words: str) -> None:
    with pytest.raises(bankfeeds.ConfigurationError, match=words) as caught:
        bankfeeds.validate(chain_rows(), **kwargs)
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize("rows", ["id,date,amount", b"bytes", {"id": "a"}, 42, None])
def test_input_that_is_not_rows_is_a_type_error(rows: Any) -> None:
    with pytest.raises(TypeError, match="rows must be"):
        bankfeeds.validate(rows)


def test_account_must_be_an_account() -> None:
    with pytest.raises(TypeError, match="account must be"):
        bankfeeds.validate(chain_rows(), account="acc-1")  # type: ignore[arg-type]


def test_any_iterable_of_rows_works() -> None:
    report = bankfeeds.validate((r for r in chain_rows()), platform="xero", today=TODAY)
    assert report.is_valid
    assert bankfeeds.validate(tuple(chain_rows()), platform="xero", today=TODAY).is_valid
    assert codes(bankfeeds.validate([], today=TODAY)) == [(None, None, "empty_batch")]


def test_report_api(rows: list[dict[str, Any]]) -> None:
    rows[0]["amount"] = "oops"
    rows[2]["memo"] = "x"
    report = bankfeeds.validate(rows, platform="xero", today=TODAY)
    assert (report.error_count, report.warning_count) == (len(report.errors), len(report.warnings))
    assert len(report) == report.error_count + report.warning_count
    assert [i.code for i in report] == [i.code for i in report.issues]
    assert report.with_code("unknown_column")[0].found == "memo"
    assert report.with_code("no_such_code") == []
    first = report.issues[0]
    assert first.to_dict() == {
        "code": first.code,
        "severity": first.severity,
        "row": first.row,
        "id": first.id,
        "field": first.field,
        "message": first.message,
        "expected": first.expected,
        "found": first.found,
    }
    assert report.to_dicts() == [i.to_dict() for i in report]
    assert str(report).endswith(f"{report.error_count} error(s), {report.warning_count} warning(s)")
    assert str(first).startswith("error [invalid_number] row 0 (id t1) amount:")
    with pytest.raises(bankfeeds.ValidationError) as caught:
        report.raise_for_errors()
    assert caught.value.report == report
    bankfeeds.validate(chain_rows(), today=TODAY).raise_for_errors()


def test_validate_file_streams_a_path_with_the_findings_of_the_whole_file(tmp_path: Path) -> None:
    # A path is read a row at a time (bankfeeds.stream); bytes are read whole. Same findings,
    # lines included, on a file with repeated ids (equal and conflicting), balance breaks, bad
    # cells, out-of-order dates and mixed line endings, over several read blocks.
    lines = ["id,date,amount,balance,description"]
    balance = Decimal("0.00")
    for i in range(3000):
        amount = Decimal(i % 7 * 3 - 9).scaleb(-1)
        balance += amount
        shown = balance + Decimal("0.01") if i % 997 == 5 else balance
        day = f"2024-05-{1 + (i // 200) % 28:02d}" if i != 1500 else "2024-02-30"
        lines.append(f"t{i},{day},{amount},{shown},Payment {i}")
    lines.append(lines[10])  # an exact repeat
    lines.append(lines[20].replace("Payment", "Refund"))  # the same id, other content
    lines.insert(40, lines[400])  # out of date order
    text = "".join(line + ("\r\n" if n % 3 == 0 else "\n") for n, line in enumerate(lines))
    path = tmp_path / "big.csv"
    path.write_bytes(text.encode())
    streamed = bankfeeds.validate_file(path, platform="xero", today=TODAY)
    whole = bankfeeds.validate_file(text.encode(), platform="xero", today=TODAY)
    assert streamed.to_dicts() == whole.to_dicts()
    found = {f.code for f in streamed.errors}
    assert {"balance_mismatch", "invalid_date", "duplicate_id", "not_chronological"} <= found, found
    assert [f.line for f in streamed.errors] == [f.line for f in whole.errors]


def test_validate_file_streams_a_json_path_with_the_findings_of_the_whole_file(tmp_path: Path) -> None:
    # A JSON file given by its path streams as a CSV file does: a push body whose keys come after
    # its rows, an element that is not an object, a repeated id, a broken balance; then the same
    # file cut short, which is one finding however it is read.
    rows: list[Any] = []
    balance = Decimal("0.00")
    for i in range(2000):
        amount = Decimal(i % 7 * 3 - 9).scaleb(-1)
        balance += amount
        shown = balance + Decimal("0.01") if i % 997 == 5 else balance
        rows.append({"id": f"t{i % 1500}", "date": "2024-05-01", "amount": str(amount), "balance": str(shown)})
    rows[700] = 7
    text = json.dumps({"transactions": rows, "memo": 1, "accountId": "acc-1"})
    found = []
    for body in (text, text[: len(text) // 2]):
        path = tmp_path / "rows.json"
        path.write_text(body)
        streamed = bankfeeds.validate_file(path, platform="xero", today=TODAY)
        whole = bankfeeds.validate_file(body.encode(), platform="xero", today=TODAY)
        assert streamed.to_dicts() == whole.to_dicts()
        found.append({f.code for f in streamed.errors})
    assert {"balance_mismatch", "duplicate_id", "invalid_value"} <= found[0], found[0]
    assert found[1] == {"malformed_input"}, found[1]


def test_report_to_arrow(rows: list[dict[str, Any]]) -> None:
    rows[1]["date"] = "2024-02-30"
    report = bankfeeds.validate(rows, today=TODAY)
    table = report.to_arrow()
    assert table.column_names == ["code", "severity", "row", "id", "field", "message", "expected", "found"]
    assert table.schema.field("row").type == pa.int64()
    assert table.to_pylist() == report.to_dicts()


def test_validate_file(tmp_path: Path) -> None:
    csv = "id,date,amount,balance\nt1,2024-05-01,10.00,10.00\nt2,2024-05-02,-2.50,7.51\n"
    path = tmp_path / "rows.csv"
    path.write_text(csv)
    for source in (path, str(path), csv.encode()):
        report = bankfeeds.validate_file(source, platform="xero", today=TODAY)
        assert codes(report) == [(1, "balance", "balance_mismatch")]
    body = {"accountId": "acc", "transactions": [{"id": "a", "date": "2024-05-01", "amount": 1.5}]}
    assert bankfeeds.validate_file(json.dumps(body).encode(), format="json", today=TODAY).is_valid
    with pytest.raises(FileNotFoundError):
        bankfeeds.validate_file(tmp_path / "missing.csv")
    with pytest.raises(bankfeeds.ConfigurationError, match="format"):
        bankfeeds.validate_file(path, format="xlsx")
    bad = bankfeeds.validate_file(b"id,date\nt1,2024-05-01\n")
    assert codes(bad) == [(None, None, "malformed_input"), (None, None, "empty_batch")]
