"""A file streamed by validate_file lists the first findings of each code and counts the rest."""

from __future__ import annotations

from pathlib import Path

import bankfeeds
from conftest import TODAY


def every_balance_off(rows: int) -> str:
    lines = ["id,date,description,amount,balance"]
    lines += [f"t{i},2024-05-01,Coffee,1.00,{i * 10}.00" for i in range(rows)]
    return "\n".join(lines) + "\n"


def test_a_streamed_report_lists_the_first_findings_of_each_code_and_counts_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "every.csv"
    text = every_balance_off(1203)
    path.write_text(text)
    streamed = bankfeeds.validate_file(path, today=TODAY)
    whole = bankfeeds.validate_file(text.encode(), today=TODAY)
    assert len(whole) == 1202 and whole.omitted == []
    # The first 1,000, as the whole file lists them; the rest counted, and counted as errors.
    assert streamed.to_dicts() == whole.to_dicts()[:1000]
    assert streamed.omitted == [{"code": "balance_mismatch", "severity": "error", "count": 202}]
    assert (streamed.error_count, streamed.warning_count) == (whole.error_count, whole.warning_count) == (1202, 0)
    assert repr(streamed) == "Report(1202 error(s), 0 warning(s))"
    assert bankfeeds.validate_file(path, today=TODAY, max_findings=None) == whole
    # Errors that are not listed still make the file invalid.
    none_listed = bankfeeds.validate_file(path, today=TODAY, max_findings=0)
    assert none_listed.issues == [] and len(none_listed) == 0
    assert not none_listed.is_valid and none_listed.error_count == 1202
    assert none_listed.omitted == [{"code": "balance_mismatch", "severity": "error", "count": 1202}]
    try:
        none_listed.raise_for_errors()
    except bankfeeds.ValidationError as e:
        assert e.report == none_listed
    else:
        raise AssertionError("an omitted error raises")
