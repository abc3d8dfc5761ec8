"""The push ledger's records and ledgers from Python, without a server: constructors, equality,
``to_dict``/``from_dict``, the lease rule, the core's two ledgers and a ledger written in Python
keeping the same contract, where the default ledger is, and push arguments refused before
anything is sent."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import pytest

import bankfeeds
from conftest import DictLedger

UTC = dt.timezone.utc


def batch(account_id: str = "a", ids: list[str] | None = None, connection_id: str = "k", **changes: Any) -> bankfeeds.LedgerBatch:
    fields: dict[str, Any] = {
        "batch_id": f"b-{account_id}-{connection_id}-{'-'.join(ids or ['t1', 't2'])}",
        "account": bankfeeds.LedgerAccount("c", connection_id, account_id),
        "state": "sending",
        "transaction_ids": ids or ["t1", "t2"],
        "oldest": dt.datetime(2024, 5, 1, 9, 0),
        "newest": dt.date(2024, 5, 2),
        "sent_at": dt.datetime(2024, 6, 1, 8, 0, 0, 123456, tzinfo=UTC),
        "updated_at": dt.datetime(2024, 6, 1, 8, 0, 1, tzinfo=UTC),
    }
    fields.update(changes)
    return bankfeeds.LedgerBatch(**fields)


def test_records_round_trip_through_dicts() -> None:
    b = batch(operation_key="op-1", state="pending")
    d = b.to_dict()
    assert d == {
        "batch_id": "b-a-k-t1-t2",
        "account": {"company_id": "c", "connection_id": "k", "account_id": "a"},
        "operation_key": "op-1",
        "state": "pending",
        "transaction_ids": ["t1", "t2"],
        "oldest": dt.datetime(2024, 5, 1, 9, 0),
        "newest": dt.datetime(2024, 5, 2, 0, 0),
        "sent_at": dt.datetime(2024, 6, 1, 8, 0, 0, 123456, tzinfo=UTC),
        "updated_at": dt.datetime(2024, 6, 1, 8, 0, 1, tzinfo=UTC),
    }
    assert bankfeeds.LedgerBatch.from_dict(d) == b
    assert b.is_open and b.account == bankfeeds.LedgerAccount("c", "k", "a")
    assert b != batch(operation_key="op-2", state="pending")
    # Any zone in, UTC out; ISO text too.
    sydney = dt.timezone(dt.timedelta(hours=10))
    other = batch(sent_at=dt.datetime(2024, 6, 1, 18, 0, 0, 123456, tzinfo=sydney), updated_at="2024-06-01T08:00:01Z")
    assert other.sent_at == b.sent_at and other.sent_at.utcoffset() == dt.timedelta(0)
    assert other.updated_at == b.updated_at

    account = bankfeeds.LedgerAccount("c", "k", "a")
    assert bankfeeds.LedgerAccount.from_dict(account.to_dict()) == account
    assert len({account, bankfeeds.LedgerAccount("c", "k", "a")}) == 1
    holder = bankfeeds.LeaseHolder("id-1", "host", 42)
    assert bankfeeds.LeaseHolder.from_dict(holder.to_dict()) == holder and str(holder) == "process 42 on host"
    lease = bankfeeds.Lease(holder, dt.datetime(2024, 6, 1, 9, 0, tzinfo=UTC))
    assert bankfeeds.Lease.from_dict(lease.to_dict()) == lease
    assert lease.to_dict()["holder"] == {"id": "id-1", "host": "host", "pid": 42}


def test_records_refuse_what_they_cannot_hold() -> None:
    with pytest.raises(ValueError, match="state must be one of \"sending\", \"pending\""):
        batch(state="done")
    with pytest.raises(ValueError, match="sent_at must be an aware datetime"):
        batch(sent_at=dt.datetime(2024, 6, 1, 8, 0))
    with pytest.raises(TypeError, match="transaction_ids must be an iterable of ids"):
        batch(transaction_ids="t1")
    with pytest.raises(ValueError, match="oldest"):
        batch(oldest="yesterday")
    with pytest.raises(TypeError):
        bankfeeds.LedgerBatch.from_dict({"batch_id": "x"})
    assert bankfeeds.BATCH_STATES == ("sending", "pending", "success", "failed", "timed_out", "not_accepted")


def test_the_lease_rule_is_the_core_s() -> None:
    me, other = bankfeeds.LeaseHolder("me", "host", 1), bankfeeds.LeaseHolder("other", "host", 1)
    now = dt.datetime(2024, 6, 1, 9, 0, tzinfo=UTC)
    live = bankfeeds.Lease(other, bankfeeds.lease_expiry(60, now))
    assert live.expires_at == now + dt.timedelta(seconds=60)
    assert not live.may_be_taken_by(me, now) and live.may_be_taken_by(other, now)
    assert live.may_be_taken_by(me, now + dt.timedelta(seconds=61))
    # A dead process of this host loses its lease at once (where that can be told).
    dead = bankfeeds.Lease(bankfeeds.LeaseHolder("gone", bankfeeds.LeaseHolder.this_process().host, 2**32 - 2), live.expires_at)
    assert dead.may_be_taken_by(me, now) == os.path.isdir("/proc/self")
    # For ever is the last instant a datetime holds.
    assert bankfeeds.lease_expiry(float("inf"), now).year == 9999
    with pytest.raises(ValueError, match="ttl"):
        bankfeeds.lease_expiry(-1)


def contract(ledger: Any) -> None:
    """What every ledger does, as the core's ledgers do it."""
    assert list(ledger.batches("c", "k")) == []
    a = batch("a")
    ledger.save(a)
    ledger.save(batch("b", ["t3"]))
    ledger.save(batch("a", ["t9"], connection_id="other"))
    moved = batch("a", operation_key="op-1", state="pending")
    ledger.save(moved)
    found = sorted(ledger.batches("c", "k"), key=lambda b: b.account.account_id)
    assert [b.account.account_id for b in found] == ["a", "b"]
    assert found[0] == moved, "saved again: replaced, not added"
    assert [b.transaction_ids for b in ledger.batches("c", "other")] == [["t9"]]

    acc = bankfeeds.LedgerAccount("c", "k", "a")
    one, two = bankfeeds.LeaseHolder.this_process(), bankfeeds.LeaseHolder.this_process()
    assert ledger.lease(acc) is None
    assert ledger.acquire(acc, one, 60) is None
    assert ledger.acquire(acc, one, 60) is None, "renewed"
    held = ledger.acquire(acc, two, 60)
    assert held is not None and held.holder == one
    ledger.release(acc, two)
    assert ledger.lease(acc).holder == one, "only the holder gives it back"
    ledger.release(acc, one)
    assert ledger.lease(acc) is None
    assert ledger.acquire(acc, two, 0) is None
    assert ledger.acquire(acc, one, 60) is None, "a lapsed lease is taken over"


@pytest.mark.parametrize("kind", ["sqlite", "memory", "python"])
def test_every_ledger_keeps_the_contract(tmp_path: Path, kind: str) -> None:
    ledger: Any = {"sqlite": lambda: bankfeeds.SqliteLedger(tmp_path / "l.sqlite3"), "memory": bankfeeds.MemoryLedger, "python": DictLedger}[kind]()
    contract(ledger)
    assert isinstance(ledger, bankfeeds.PushLedger)


def test_the_sqlite_ledger_for_people(tmp_path: Path, default_ledger: Path) -> None:
    assert bankfeeds.default_ledger_path() == default_ledger
    assert bankfeeds.SqliteLedger().path == default_ledger
    with pytest.raises(bankfeeds.LedgerError, match="no push ledger at"):
        bankfeeds.SqliteLedger(tmp_path / "missing.sqlite3", create=False)
    assert not (tmp_path / "missing.sqlite3").exists()
    path = tmp_path / "deep" / "folder" / "ledger.sqlite3"
    bankfeeds.SqliteLedger(str(path)).save(batch())
    assert bankfeeds.SqliteLedger(path, create=False).batches("c", "k") == [batch()]
    with pytest.raises(bankfeeds.ConfigurationError, match="empty"):
        bankfeeds.SqliteLedger("")
    with pytest.raises(bankfeeds.LedgerError) as caught:
        bankfeeds.SqliteLedger(tmp_path)  # a folder
    assert caught.value.kind == "ledger" and not caught.value.retryable


def test_push_arguments_are_checked_before_anything_is_sent() -> None:
    # Nothing listens on port 9: any request would be a TransportError.
    client = bankfeeds.Client("k", base_url="http://127.0.0.1:9", retries=False, connect_timeout=1)

    def push(**options: Any) -> None:
        client.push_transactions("c", "k", "a", [], **options)

    with pytest.raises(TypeError, match="resend must be an iterable of ids"):
        push(resend="t1")
    with pytest.raises(TypeError, match="each id must be a str"):
        push(resend=[1])
    with pytest.raises(bankfeeds.ConfigurationError, match="lock_wait"):
        push(lock_wait=-1)
    with pytest.raises(TypeError, match="lock_wait"):
        push(lock_wait="soon")
    with pytest.raises(bankfeeds.ConfigurationError, match="skip_through"):
        push(skip_through="the end of May")
    with pytest.raises(TypeError, match=r"skip_through as a tuple is \(date, id\)"):
        push(skip_through=(dt.date(2024, 5, 1),))
    with pytest.raises(TypeError, match="skip_through must be"):
        push(skip_through=3)
    with pytest.raises(bankfeeds.ConfigurationError, match="empty"):
        push(ledger="")
    with pytest.raises(TypeError, match="ledger must be a path"):
        push(ledger=object())
    with pytest.raises(bankfeeds.ConfigurationError, match="rules"):
        push(rules={"no_such_rule": "error"})
    not_a_ledger: Any = 3
    with pytest.raises(TypeError, match="ledger must be a path"):
        client.push_history("c", "k", "a", ledger=not_a_ledger)
