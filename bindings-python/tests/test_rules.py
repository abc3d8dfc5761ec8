"""Rules as Codat applies them, ``rules={...}`` to set their severities, and ``time_zone``."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

import bankfeeds

TODAY = dt.date(2024, 6, 1)


def signs() -> list[dict[str, Any]]:
    """Valid for Xero but for a Debit with a positive amount (row 1)."""
    return [
        {"id": "s1", "date": "2024-05-01", "amount": "100.00", "balance": "100.00", "transactionType": "Credit"},
        {"id": "s2", "date": "2024-05-02", "amount": "5.00", "balance": "105.00", "transactionType": "Debit"},
    ]


def test_a_sign_that_contradicts_the_type_is_a_warning_as_codat_gives_it() -> None:
    report = bankfeeds.validate(signs(), platform="xero", today=TODAY)
    assert report.is_valid
    (issue,) = report.warnings
    assert (issue.code, issue.row, issue.severity) == ("sign_mismatch", 1, "warning")
    assert bankfeeds.CODES["sign_mismatch"] == "warning"


def test_rules_set_severities_in_every_function() -> None:
    strict = {"sign_mismatch": "error"}
    report = bankfeeds.validate(signs(), platform="xero", today=TODAY, rules=strict)
    assert not report.is_valid and [i.code for i in report.errors] == ["sign_mismatch"]
    assert bankfeeds.validate(signs(), platform="xero", today=TODAY, rules={"sign_mismatch": "off"}).issues == []

    normalised = bankfeeds.normalise(signs(), platform="xero", today=TODAY, rules=strict)
    assert [i.code for i in normalised.report.errors] == ["sign_mismatch"]
    with pytest.raises(bankfeeds.ValidationError):
        bankfeeds.normalise(signs(), platform="xero", today=TODAY, rules=strict, strict=True)

    # A finding from reading the file (an unknown column) honours the rules too.
    csv = b"id,date,amount,memo\nt1,2024-05-01,1.00,x\n"
    assert bankfeeds.validate_file(csv, format="csv", today=TODAY).warnings[0].code == "unknown_column"
    raised = bankfeeds.validate_file(csv, format="csv", today=TODAY, rules={"unknown_column": "error"})
    assert [i.code for i in raised.errors] == ["unknown_column"]
    normalised = bankfeeds.normalise_file(csv, format="csv", today=TODAY, rules={"unknown_column": "off"})
    assert normalised.report.issues == []

    empty = {"accountId": "acc", "transactions": []}
    assert bankfeeds.validate_push(empty, today=TODAY).warnings[0].code == "empty_batch"
    assert bankfeeds.validate_push(empty, today=TODAY, rules={"empty_batch": "off"}).issues == []


def test_bad_rules_are_configuration_errors_that_say_what_is_allowed() -> None:
    with pytest.raises(bankfeeds.ConfigurationError) as unknown:
        bankfeeds.validate(signs(), rules={"sign_mismatches": "error"})
    for known in ("sign_mismatch", "balance_mismatch", "future_date"):
        assert known in str(unknown.value)
    with pytest.raises(bankfeeds.ConfigurationError, match="expected error, warning or off"):
        bankfeeds.validate(signs(), rules={"sign_mismatch": "loud"})
    with pytest.raises(bankfeeds.ConfigurationError, match="cannot be made a warning or turned off"):
        bankfeeds.validate(signs(), rules={"invalid_date": "off"})
    with pytest.raises(TypeError, match="dict of rule code to level"):
        bankfeeds.validate(signs(), rules=["sign_mismatch=error"])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="level must be text"):
        bankfeeds.validate(signs(), rules={"sign_mismatch": 1})  # type: ignore[dict-item]


def test_today_is_the_accounts_local_date() -> None:
    # UTC+14 is always a day or two ahead of UTC-12: a row dated today in Kiritimati is in the
    # future at Baker Island.
    ahead = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=14)).date()
    rows = [{"id": "z1", "date": f"{ahead}T07:45:00", "amount": "-4.50", "balance": "95.50"}]
    assert bankfeeds.validate(rows, platform="xero", time_zone="+14:00").is_valid
    assert bankfeeds.validate(rows, platform="xero", time_zone="Pacific/Kiritimati").is_valid
    behind = bankfeeds.validate(rows, platform="xero", time_zone="UTC-12:00")
    assert [i.code for i in behind.errors] == ["future_date"]
    with pytest.raises(bankfeeds.ConfigurationError, match="time_zone"):
        bankfeeds.validate(rows, time_zone="Mars/Olympus_Mons")
    with pytest.raises(bankfeeds.ConfigurationError, match="not both"):
        bankfeeds.validate(rows, today=TODAY, time_zone="+10:00")


def test_the_clients_push_takes_a_time_zone_before_sending_anything() -> None:
    client = bankfeeds.Client("k", base_url="http://127.0.0.1:9", retries=False, connect_timeout=1)
    rows = signs()
    with pytest.raises(bankfeeds.ConfigurationError, match="time_zone"):
        client.push_transactions("c", "k", "a", rows, time_zone="Nowhere/Atlantis")
    with pytest.raises(bankfeeds.ConfigurationError, match="not both"):
        client.push_transactions("c", "k", "a", rows, today=TODAY, time_zone="Europe/London")
