"""``stream_file``: a file given by its path, normalised and validated as it streams, and its push
bodies one at a time, each what ``prepare_file(path).push_bodies(account_id)`` gives."""

from __future__ import annotations

import gc
import json
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import bankfeeds

from conftest import TODAY


def _rows(n: int, *, balances: bool = True, repeat_every: int = 97) -> list[dict[str, Any]]:
    """`n` rows oldest first with a running balance, and an exact repeat of the row before after
    every `repeat_every` (dropped by `dedupe`)."""
    rows: list[dict[str, Any]] = []
    balance = Decimal("0.00")
    for i in range(n):
        amount = Decimal(i % 11 * 7 - 30).scaleb(-2) * 100
        balance += amount
        row: dict[str, Any] = {
            "id": f"t{i}",
            "date": f"2024-{1 + i // 600:02d}-{1 + i // 25 % 24:02d}",
            "amount": str(amount),
            "description": f"Payment {i}",
        }
        if balances:
            row["balance"] = str(balance)
        rows.append(row)
        if repeat_every and i % repeat_every == repeat_every - 1:
            rows.append(dict(row))
    return rows


def _csv(rows: list[dict[str, Any]]) -> str:
    keys = list(rows[0])
    return "".join(",".join(str(r[k]) for k in keys) + "\n" for r in [dict(zip(keys, keys)), *rows])


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _same_bodies(streamed: list[bankfeeds.PushBody], whole: list[bankfeeds.PushBody]) -> None:
    assert streamed == whole
    assert [b.to_json() for b in streamed] == [b.to_json() for b in whole]


@pytest.mark.parametrize("batch_size", [1, 7, 250, None])
def test_csv_bodies_are_those_of_the_whole_file(tmp_path: Path, batch_size: int | None) -> None:
    path = _write(tmp_path, "rows.csv", _csv(_rows(1203)))
    streamed = bankfeeds.stream_file(path, today=TODAY, batch_size=batch_size)
    whole = bankfeeds.prepare_file(path, today=TODAY, batch_size=batch_size)
    assert streamed.in_memory is None
    assert streamed.report == whole.report and streamed.is_valid
    assert streamed.changes == whole.changes
    assert "duplicate_dropped" in {c.kind for c in streamed.changes}
    assert (streamed.rows_read, streamed.transaction_count, len(streamed)) == (1215, 1203, 1203)
    assert streamed.rows_read == whole.rows_read and len(streamed) == len(whole)
    assert streamed.batch_size == whole.batch_size == (batch_size or 1000)
    bodies = list(streamed.push_bodies("acc-1"))
    assert len(bodies) == streamed.batch_count == len(whole.batches())
    if batch_size in (7, 250, None):
        assert 0 < len(bodies[-1]) < streamed.batch_size  # a last short batch
    _same_bodies(bodies, whole.push_bodies("acc-1"))
    # Each call reads the file again, from the start.
    assert list(streamed.push_bodies("acc-1")) == bodies


@pytest.mark.parametrize("fill", ["fill_from_opening", "fill_from_closing"])
def test_balances_filled_as_the_whole_file_fills_them(tmp_path: Path, fill: str) -> None:
    path = _write(tmp_path, "rows.csv", _csv(_rows(2100, balances=False)))
    keywords: dict[str, Any] = {fill: Decimal("1000.00"), "today": TODAY}
    streamed = bankfeeds.stream_file(path, **keywords)
    whole = bankfeeds.prepare_file(path, **keywords)
    assert streamed.in_memory is None
    assert streamed.report == whole.report and streamed.changes == whole.changes
    bodies = list(streamed.push_bodies("acc-1"))
    assert all(t.balance is not None for b in bodies for t in b.transactions)
    _same_bodies(bodies, whole.push_bodies("acc-1"))


@pytest.mark.parametrize("shape", ["body", "array"])
def test_json_bodies_are_those_of_the_whole_file(tmp_path: Path, shape: str) -> None:
    rows = _rows(1500)
    text = json.dumps({"accountId": "acc-j", "transactions": rows} if shape == "body" else rows)
    path = _write(tmp_path, "rows.json", text)
    streamed = bankfeeds.stream_file(path, today=TODAY, batch_size=400)
    whole = bankfeeds.prepare_file(path, today=TODAY, batch_size=400)
    assert streamed.in_memory is None
    assert streamed.report == whole.report and streamed.changes == whole.changes
    assert streamed.account_id == whole.account_id == ("acc-j" if shape == "body" else None)
    _same_bodies(list(streamed.push_bodies("acc-2")), whole.push_bodies("acc-2"))
    if shape == "body":
        # The account the file names, by default.
        _same_bodies(list(streamed.push_bodies()), whole.push_bodies())
    else:
        with pytest.raises(bankfeeds.ConfigurationError, match="account_id"):
            streamed.push_bodies()


def test_a_file_read_whole_says_why_and_gives_the_same_bodies(tmp_path: Path) -> None:
    rows = _rows(300, balances=False)
    rows[10], rows[200] = rows[200], rows[10]  # out of date order: sorting holds every row
    path = _write(tmp_path, "rows.csv", _csv(rows))
    streamed = bankfeeds.stream_file(path, today=TODAY, batch_size=64)
    whole = bankfeeds.prepare_file(path, today=TODAY, batch_size=64)
    assert streamed.in_memory is not None and "oldest first" in streamed.in_memory
    assert streamed.report == whole.report
    _same_bodies(list(streamed.push_bodies("acc-1")), whole.push_bodies("acc-1"))


def test_the_report_is_validate_files_when_nothing_is_normalised(tmp_path: Path) -> None:
    rows = _rows(500)
    rows[40]["balance"] = "1.23"  # a break
    rows[41]["date"] = "2024-02-30"
    path = _write(tmp_path, "rows.csv", _csv(rows))
    streamed = bankfeeds.stream_file(
        path, today=TODAY, platform="xero", trim=False, dedupe=False, infer_types=False, sort=False
    )
    assert streamed.report == bankfeeds.validate_file(path, today=TODAY, platform="xero")
    assert not streamed.is_valid and streamed.changes == []


def test_an_invalid_file_gives_no_bodies(tmp_path: Path) -> None:
    rows = _rows(50)
    rows[3]["amount"] = "ten"
    path = _write(tmp_path, "rows.csv", _csv(rows))
    streamed = bankfeeds.stream_file(path, today=TODAY)
    assert not streamed.is_valid
    with pytest.raises(bankfeeds.ValidationError) as caught:
        streamed.push_bodies("acc-1")
    assert caught.value.report == streamed.report and caught.value.row == 3
    with pytest.raises(bankfeeds.ValidationError):
        streamed.raise_for_errors()
    with pytest.raises(bankfeeds.ValidationError) as strict:
        bankfeeds.stream_file(path, today=TODAY, strict=True)
    assert strict.value.report == streamed.report
    bankfeeds.stream_file(_write(tmp_path, "ok.csv", _csv(_rows(5))), today=TODAY, strict=True)


def test_arguments_and_paths_that_cannot_be_read(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        bankfeeds.stream_file(tmp_path / "missing.csv")
    with pytest.raises(TypeError, match="prepare_file takes bytes"):
        bankfeeds.stream_file(b"id,date,amount\n")  # type: ignore[arg-type]
    path = _write(tmp_path, "rows.csv", _csv(_rows(5)))
    with pytest.raises(bankfeeds.ConfigurationError, match="format"):
        bankfeeds.stream_file(path, format="xlsx")
    with pytest.raises(bankfeeds.ConfigurationError):
        bankfeeds.stream_file(path, fill_from_opening="1", fill_from_closing="2")
    # A file that is not UTF-8 is a finding, as for prepare_file.
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"id,date,amount\nt1,2024-05-01,\xff\n")
    streamed = bankfeeds.stream_file(bad, today=TODAY)
    assert streamed.report == bankfeeds.prepare_file(bad, today=TODAY).report
    assert not streamed.is_valid


def _changed(path: Path, change: Any) -> bankfeeds.ValidationError:
    streamed = bankfeeds.stream_file(path, today=TODAY, batch_size=10)
    assert streamed.is_valid and streamed.in_memory is None
    bodies = streamed.push_bodies("acc-1")
    change(path)
    with pytest.raises(bankfeeds.ValidationError) as caught:
        list(bodies)
    assert caught.value.code == "validation"
    assert "changed since it was read" in str(caught.value)
    assert [i.code for i in caught.value.report] == ["malformed_input"]
    with pytest.raises(StopIteration):
        next(bodies)
    return caught.value


def test_a_file_changed_since_it_was_read_raises(tmp_path: Path) -> None:
    text = _csv(_rows(100))
    path = _write(tmp_path, "rows.csv", text)

    def append(p: Path) -> None:
        with p.open("a") as f:
            f.write("t999,2024-05-20,1.00,1.00,late\n")

    _changed(path, append)
    path.write_text(text)

    def same_size(p: Path) -> None:
        before = p.stat()
        p.write_text(text.replace("Payment 5,", "Paymant 5,"))
        os.utime(p, ns=(before.st_atime_ns, before.st_mtime_ns - 10**9))

    _changed(path, same_size)
    path.write_text(text)
    _changed(path, Path.unlink)
    # JSON too.
    path = _write(tmp_path, "rows.json", json.dumps(_rows(100)))
    _changed(path, lambda p: p.write_text(json.dumps(_rows(100))[:-20]))


def test_the_iterator_can_be_abandoned_half_way(tmp_path: Path) -> None:
    path = _write(tmp_path, "rows.csv", _csv(_rows(3000, repeat_every=0)))
    streamed = bankfeeds.stream_file(path, today=TODAY, batch_size=100)
    whole = bankfeeds.prepare_file(path, today=TODAY, batch_size=100).push_bodies("acc-1")
    bodies = streamed.push_bodies("acc-1")
    assert iter(bodies) is bodies
    assert [next(bodies) for _ in range(3)] == whole[:3]
    bodies.close()
    with pytest.raises(StopIteration):
        next(bodies)
    bodies.close()  # twice is fine
    with streamed.push_bodies("acc-1") as again:
        for n, body in enumerate(again):
            assert body == whole[n]
            if n == 14:
                break
    assert list(again) == []
    # Dropped without closing: the reading stops by itself; the file can be read again.
    dropped = streamed.push_bodies("acc-1")
    next(dropped)
    del dropped
    gc.collect()
    assert list(streamed.push_bodies("acc-1")) == whole
    # Abandoned while another iterator of the same file goes on.
    first, second = streamed.push_bodies("acc-1"), streamed.push_bodies("acc-1")
    assert next(first) == next(second) == whole[0]
    first.close()
    assert list(second) == whole[1:]


def test_a_panic_in_the_worker_is_an_internal_error() -> None:
    bodies = bankfeeds._bankfeeds._panicking_bodies_for_tests(2)
    assert [len(b) for b in (next(bodies), next(bodies))] == [0, 0]
    with pytest.raises(bankfeeds.InternalError, match="deliberate panic .body worker."):
        next(bodies)
    with pytest.raises(StopIteration):
        next(bodies)
    bodies.close()


def test_repr_and_types(tmp_path: Path) -> None:
    path = _write(tmp_path, "rows.csv", _csv(_rows(20)))
    streamed = bankfeeds.stream_file(str(path), today=TODAY)
    assert isinstance(streamed, bankfeeds.StreamedFile)
    assert streamed.path == path
    assert repr(streamed).startswith("StreamedFile(") and "20 transaction(s)" in repr(streamed)
    bodies = streamed.push_bodies("acc-1")
    assert isinstance(bodies, bankfeeds.PushBodyIterator)
    (body,) = list(bodies)
    assert isinstance(body, bankfeeds.PushBody) and body.account_id == "acc-1" and len(body) == 20
    assert bankfeeds.validate_push(body, today=TODAY).is_valid


def test_changes_past_max_findings_are_counted_not_listed(tmp_path: Path) -> None:
    # Balances computed back from a closing balance the file's own do not end on: every row's
    # balance is replaced, a change each.
    path = _write(tmp_path, "rows.csv", _csv(_rows(30, repeat_every=0)))
    keywords: dict[str, Any] = {"fill_from_closing": Decimal("1000.00"), "today": TODAY}
    limited = bankfeeds.stream_file(path, max_findings=5, **keywords)
    every = bankfeeds.stream_file(path, max_findings=None, **keywords)
    whole = bankfeeds.prepare_file(path, **keywords)
    replaced = [c for c in every.changes if c.kind == "balance_replaced"]
    assert len(replaced) == 30 and every.changes == whole.changes and every.changes_omitted == []
    assert [c for c in limited.changes if c.kind == "balance_replaced"] == replaced[:5]
    assert limited.changes_omitted == [{"kind": "balance_replaced", "count": 25}]
    assert limited.is_valid and list(limited.push_bodies("acc-1")) == whole.push_bodies("acc-1")
