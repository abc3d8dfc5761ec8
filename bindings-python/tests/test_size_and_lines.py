"""The core's rules as Python meets them: push bodies stay within the byte limit (batches by
size as well as count, each keeping its input rows), and findings of a CSV file name its lines."""

from __future__ import annotations

from typing import Any

import bankfeeds
from conftest import TODAY

#: bankfeeds.batch::MAX_PUSH_BODY_BYTES in the core.
LIMIT = 1024 * 1024


def long_rows() -> list[dict[str, Any]]:
    return [
        {"id": f"t{i:04}", "date": "2024-05-01", "amount": "1.00", "description": "d" * 2000}
        for i in range(1000)
    ]


def test_batches_and_bodies_split_by_size_and_keep_their_rows() -> None:
    result = bankfeeds.normalise(long_rows(), today=TODAY)
    assert result.report.is_valid
    batches = result.batches()
    assert len(batches) > 1
    # Each batch's rows start where the last one's ended, though the batches differ in length.
    assert [r for b in batches for r in (b.source_rows or [])] == result.source_rows
    bodies = result.push_bodies("acc-001")
    assert [len(b) for b in bodies] == [len(b) for b in batches]
    for body in bodies:
        assert len(body.to_json().encode()) <= LIMIT
    assert sum(len(b) for b in bodies) == 1000
    # The free functions follow the same rule.
    assert [len(b) for b in bankfeeds.batches(result.transactions)] == [len(b) for b in batches]
    assert [len(b) for b in bankfeeds.push_bodies("acc-001", result.transactions)] == [
        len(b) for b in bodies
    ]
    assert [len(b) for b in result.transactions.batches()] == [len(b) for b in batches]


def test_findings_of_a_csv_file_name_its_lines() -> None:
    text = b'id,date,description,amount\n t1 ,2024-05-01,one,1.00\n\nt2,2024-05-02,"two\nlines",1.0x\n'
    report = bankfeeds.validate_file(text, format="csv", today=TODAY)
    located = [(i.row, i.line, i.code, i.field) for i in report.errors]
    assert located == [(0, 2, "invalid_value", "id"), (1, 4, "invalid_number", "amount")]
    assert "line 4 row 1" in str(report.errors[1])
    # Rows from Python have no lines.
    rows = [{"id": "t1", "date": "2024-05-01", "amount": "x"}]
    assert [i.line for i in bankfeeds.validate(rows, today=TODAY).errors] == [None]
