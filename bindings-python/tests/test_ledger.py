"""Pushing as Codat really is, against the sandbox in its default (spec) mode: push-operation reads
carry no ``data``, so only the push ledger knows what each push carried. Daily pushes send each
row once, a push killed between Codat's accept and its end is not resent, two pushes at once store
each row once, a TimedOut batch is never resent unless asked, a fresh ledger refuses unless told
what to do, a ledger written in Python works and what it raises stops the push, and the caller's
rule policy applies. Every test gives its pushes a temporary ledger."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

import pytest

import bankfeeds
from bankfeeds.aio import AsyncClient
from conftest import TODAY, DictLedger


def cli() -> str:
    path = os.environ.get("BANKFEEDS_CLI") or str(Path(__file__).resolve().parents[2] / "target" / "debug" / "bankfeeds")
    if not Path(path).exists():
        pytest.fail(f"the sandbox binary {path} is missing: run `cargo build -p bankfeeds-cli` (scripts/test.sh does)")
    return path


@dataclass(frozen=True)
class Account:
    company: str
    connection: str
    account: str


class Sandbox:
    """`bankfeeds sandbox` as a subprocess, in its default mode (push reads as the spec has them)."""

    def __init__(self, push_delay_ms: int) -> None:
        self.proc = subprocess.Popen(
            [cli(), "sandbox", "--port", "0", "--push-delay-ms", str(push_delay_ms), "--today", TODAY.isoformat()],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.proc.stdout is not None
        self.url = self.proc.stdout.readline().strip()
        assert self.url.startswith("http://127.0.0.1:"), self.url
        self.client = bankfeeds.Client("test-key", base_url=self.url, request_timeout=10)

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)

    def call(self, method: str, path: str, body: Any = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(
            f"{self.url}{path}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json", "Authorization": "Basic setup"},
        )
        with urllib.request.urlopen(req) as answer:
            return json.loads(answer.read() or b"null", parse_float=Decimal)

    def accepted(self) -> int:
        """Pushes the sandbox accepted so far."""
        return int(self.call("GET", "/sandbox/stats")["pushesAccepted"])

    def stored(self, a: Account) -> list[str]:
        """The ids of the transactions on the account, in order."""
        path = f"/sandbox/companies/{a.company}/connections/{a.connection}/bankFeedAccounts/{a.account}/transactions"
        return [t["id"] for t in self.call("GET", path)]

    def account(self, platform_key: str, account_id: str) -> Account:
        """A linked connection of the platform with a connected GBP account."""
        company = self.client.create_company({"name": f"Toft {account_id}"})
        connection = self.client.create_connection(company.id, platform_key)
        self.call("POST", f"/sandbox/companies/{company.id}/connections/{connection.id}/link", {})
        return self.add_account(company.id, connection.id, account_id)

    def add_account(self, company: str, connection: str, account_id: str) -> Account:
        self.client.create_source_account(
            company,
            connection,
            {
                "id": account_id,
                "account_name": "Current account",
                "account_type": "Credit",
                "account_number": "12345678",
                "sort_code": "12-34-56",
                "currency": "GBP",
                "balance": Decimal("0.00"),
            },
        )
        self.call(
            "POST",
            f"/sandbox/companies/{company}/connections/{connection}/bankFeedAccounts/{account_id}/map",
            {"feedStartDate": "2024-05-01"},
        )
        return Account(company, connection, account_id)


@pytest.fixture(scope="module")
def fast() -> Iterator[Sandbox]:
    sandbox = Sandbox(push_delay_ms=30)
    try:
        yield sandbox
    finally:
        sandbox.close()


@pytest.fixture(scope="module")
def slow() -> Iterator[Sandbox]:
    """Pushes stay Pending for a second: long enough to kill a push, or to push twice at once."""
    sandbox = Sandbox(push_delay_ms=1000)
    try:
        yield sandbox
    finally:
        sandbox.close()


def ids(first: int, last: int | None = None) -> list[str]:
    """The ids of days ``first`` to ``last``, three rows a day."""
    return [f"d{d}-{k}" for d in range(first, (last or first) + 1) for k in range(1, 4)]


def days(first: int, last: int | None = None) -> list[dict[str, Any]]:
    """Three rows a day (day ``d`` is 2024-05-(10+d)), balances running from zero on day 1, so
    any run of days is a valid statement for Xero."""
    rows, balance = [], Decimal("0.00")
    for d in range(1, (last or first) + 1):
        for k in range(1, 4):
            amount = Decimal("1250.00") if k == 1 else Decimal(f"-{d}{k}.17")
            balance += amount
            if d >= first:
                rows.append(
                    {
                        "id": f"d{d}-{k}",
                        "date": dt.datetime(2024, 5, 10 + d, 8 + k, 30),
                        "amount": amount,
                        "balance": balance,
                        "description": f"Day {d} line {k}",
                    }
                )
    return rows


def as_json(rows: list[dict[str, Any]]) -> str:
    return json.dumps([{**r, "date": r["date"].isoformat(), "amount": str(r["amount"]), "balance": str(r["balance"])} for r in rows])


def pusher(sandbox: Sandbox, a: Account, **fixed: Any) -> Callable[..., bankfeeds.PushReport]:
    """``push(rows, **options)`` to the account, with ``fixed`` options."""

    def push(rows: list[dict[str, Any]], **options: Any) -> bankfeeds.PushReport:
        return sandbox.client.push_transactions(
            a.company, a.connection, a.account, rows, today=TODAY, poll_interval=0.02, **{**fixed, **options}
        )

    return push


def states(ledger: Path, a: Account) -> list[str]:
    batches = bankfeeds.SqliteLedger(ledger, create=False).batches(a.company, a.connection)
    return [b.state for b in sorted(batches, key=lambda b: b.sent_at) if b.account.account_id == a.account]


# ---- daily pushes ------------------------------------------------------------------------------


LEDGER_KINDS = ["path", "default", "sqlite", "memory", "python"]


@pytest.mark.parametrize("kind", LEDGER_KINDS)
def test_daily_pushes_send_each_row_once(fast: Sandbox, tmp_path: Path, default_ledger: Path, kind: str) -> None:
    """The issue's story, with push reads shaped as the spec defines them: day 1 pushed, day 1
    again sends nothing, day 2's new rows pushed; the account holds each row once."""
    a = fast.account("gbol", f"acc-daily-{kind}")
    ledger: Any = {
        "path": tmp_path / "ledger.sqlite3",
        "default": None,
        "sqlite": bankfeeds.SqliteLedger(tmp_path / "ledger.sqlite3"),
        "memory": bankfeeds.MemoryLedger(),
        "python": DictLedger(),
    }[kind]
    push = pusher(fast, a, ledger=ledger)
    before = fast.accepted()

    first = push(days(1))
    assert first.is_complete and (first.pushed, first.already_pushed) == (3, [])
    # The sandbox answers as the spec does: a push operation does not say what it carried.
    operation = fast.call("GET", f"/companies/{a.company}/push/{first.operation_keys[0]}")
    assert operation["status"] == "Success" and "data" not in operation

    again = push(days(1))
    assert again.is_complete
    assert (again.pushed, again.already_pushed, again.batches, again.unknown_operations) == (0, ids(1), [], 0)

    second = push(days(2))
    assert second.is_complete and (second.pushed, second.already_pushed) == (3, [])

    everything = push(days(1, 2))
    assert (everything.pushed, sorted(everything.already_pushed)) == (0, ids(1, 2))

    assert fast.accepted() - before == 2
    assert fast.stored(a) == ids(1, 2)
    if kind in ("path", "default"):
        assert states(tmp_path / "ledger.sqlite3" if kind == "path" else default_ledger, a) == ["success", "success"]
    if kind == "python":
        assert sorted(b["state"] for b in ledger.stored.values()) == ["success", "success"]
        assert ledger.leases == {}, "every lease was given back"
        assert ledger.calls["acquire"] >= 4 and ledger.calls["release"] == 4


# ---- killed between accept and Success ---------------------------------------------------------

PUSH_SCRIPT = """
import json, sys
import bankfeeds
url, company, connection, account, ledger, rows = sys.argv[1:]
client = bankfeeds.Client("test-key", base_url=url)
client.push_transactions(company, connection, account, json.loads(rows), today="2024-06-01", ledger=ledger, poll_interval=0.05)
"""


def test_a_push_killed_while_pending_is_waited_for_not_resent(slow: Sandbox, tmp_path: Path) -> None:
    a = slow.account("gbol", "acc-killed")
    ledger = tmp_path / "ledger.sqlite3"
    before = slow.accepted()
    proc = subprocess.Popen(
        [sys.executable, "-c", PUSH_SCRIPT, slow.url, a.company, a.connection, a.account, str(ledger), as_json(days(1))],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, f"the push ended before it was seen pending: {proc.stderr.read() if proc.stderr else ''!r}"
            assert time.monotonic() < deadline, "no pending batch was recorded"
            try:
                batches = bankfeeds.SqliteLedger(ledger, create=False).batches(a.company, a.connection)
            except bankfeeds.LedgerError:
                batches = []  # not created yet
            if any(b.state == "pending" and b.operation_key for b in batches):
                break
            time.sleep(0.02)
    finally:
        proc.kill()  # SIGKILL: no clean-up of any kind
        proc.wait()
    assert slow.accepted() - before == 1

    # The dead process's lease is taken over at once where that can be told (Linux); elsewhere
    # it lapses after two minutes.
    wait = 0.0 if sys.platform.startswith("linux") else 150.0
    report = pusher(slow, a, ledger=ledger)(days(1), lock_wait=wait)
    assert report.is_complete, str(report)
    assert (report.pushed, report.already_pushed, report.batches) == (0, ids(1), [])
    assert slow.accepted() - before == 1, "nothing was sent again"
    assert slow.stored(a) == ids(1)
    assert states(ledger, a) == ["success"]


# ---- two pushes at once ------------------------------------------------------------------------


def thirty() -> list[dict[str, Any]]:
    rows, balance = [], Decimal("0.00")
    for n in range(30):
        amount = Decimal("-12.50") if n % 3 == 0 else Decimal(f"42.{n:02d}")
        balance += amount
        rows.append({"id": f"fa-{n:02d}", "date": dt.datetime(2024, 5, 1 + n, 10), "amount": amount, "balance": balance, "description": f"Line {n}"})
    return rows


def together(sandbox: Sandbox, a: Account, ledger: Path, **options: Any) -> list[bankfeeds.PushReport | BaseException]:
    """Two pushes of the same thirty rows to the account, started at once from two threads."""
    barrier = threading.Barrier(2)
    out: list[bankfeeds.PushReport | BaseException] = [RuntimeError("did not run")] * 2

    def run(i: int) -> None:
        client = bankfeeds.Client("test-key", base_url=sandbox.url, request_timeout=10)
        barrier.wait()
        try:
            out[i] = client.push_transactions(
                a.company, a.connection, a.account, thirty(), today=TODAY, batch_size=10, poll_interval=0.05, ledger=ledger, **options
            )
        except BaseException as e:  # noqa: BLE001 - the test looks at whatever it is
            out[i] = e

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def test_two_pushes_at_once_store_each_row_once(slow: Sandbox, tmp_path: Path) -> None:
    """FreeAgent, whose rules do not refuse older rows, so only the ledger's lease keeps the
    second push from booking the thirty rows again."""
    ledger = tmp_path / "ledger.sqlite3"
    one = slow.account("fbrh", "acc-one")
    two = slow.add_account(one.company, one.connection, "acc-two")
    expected = [r["id"] for r in thirty()]
    before = slow.accepted()

    results = together(slow, one, ledger)
    reports = [r for r in results if isinstance(r, bankfeeds.PushReport)]
    busy = [r for r in results if isinstance(r, bankfeeds.AccountBusyError)]
    assert (len(reports), len(busy)) == (1, 1), results
    assert reports[0].is_complete and reports[0].pushed == 30
    e = busy[0]
    assert isinstance(e, bankfeeds.PushError) and e.kind == "account_busy" and e.retryable
    assert e.account_id == "acc-one" and e.holder.startswith("process ")
    assert e.expires_at.tzinfo is not None and e.expires_at > dt.datetime.now(dt.timezone.utc)
    for expected_text in ["account `acc-one` is being pushed by process", "nothing was sent", "lock_wait=SECONDS"]:
        assert expected_text in str(e)
    assert "PushOptions" not in str(e)
    assert slow.stored(one) == expected
    assert slow.accepted() - before == 3

    # Waiting for the lock: the second push waits, then finds everything on the account.
    results = together(slow, two, ledger, lock_wait=60)
    assert all(isinstance(r, bankfeeds.PushReport) for r in results), results
    done = sorted((r.pushed, len(r.already_pushed)) for r in results if isinstance(r, bankfeeds.PushReport))
    assert done == [(0, 30), (30, 0)]
    assert slow.stored(two) == expected
    assert slow.accepted() - before == 6, "the second push sent nothing"


# ---- TimedOut ----------------------------------------------------------------------------------


def test_a_timed_out_batch_is_held_back_until_resent_on_request(fast: Sandbox, tmp_path: Path) -> None:
    a = fast.account("gbol", "acc-timedout")
    ledger = tmp_path / "ledger.sqlite3"
    push = pusher(fast, a, ledger=ledger)
    before = fast.accepted()
    fast.call(
        "PUT",
        "/sandbox/faults",
        {"seed": 1, "rules": [{"kind": "pushTimedOut", "method": "POST", "path": "**/bankTransactions", "nth": [1]}]},
    )
    try:
        first = push(days(1))
    finally:
        fast.call("DELETE", "/sandbox/faults")
    assert not first.is_complete and first.pushed == 0
    key = first.batches[0]["operation_key"]
    assert first.batches[0]["status"] == "TimedOut"
    assert first.stopped == {"batch": 0, "reason": "timed_out", "operation_key": key, "transaction_ids": ids(1)}
    assert first.timed_out == [{"operation_key": key, "transaction_ids": ids(1)}]
    assert states(ledger, a) == ["timed_out"]
    assert fast.stored(a) == []

    # A rerun sends nothing: the rows may be on the account.
    again = push(days(1))
    assert not again.is_complete
    assert (again.pushed, again.held_back, again.batches, again.stopped) == (0, ids(1), [], None)
    assert again.timed_out == first.timed_out
    assert fast.accepted() - before == 1
    history = fast.client.push_history(a.company, a.connection, a.account, ledger=ledger)
    assert history["timed_out"] == first.timed_out and history["transaction_ids"] == []

    # Checked in the accounting platform: one is missing, then the other two.
    one = push(days(1), resend=["d1-1"])
    assert (one.pushed, one.held_back) == (1, ["d1-2", "d1-3"]) and not one.is_complete
    rest = push(days(1), resend=(i for i in ["d1-2", "d1-3"]))
    assert rest.is_complete and (rest.pushed, rest.already_pushed, rest.timed_out) == (2, ["d1-1"], [])
    assert fast.stored(a) == ids(1)
    assert fast.accepted() - before == 3


# ---- no history, no guess ----------------------------------------------------------------------


def test_a_fresh_ledger_refuses_and_names_the_python_options(fast: Sandbox, tmp_path: Path) -> None:
    a = fast.account("gbol", "acc-fresh")
    push = pusher(fast, a)
    first, second = tmp_path / "first.sqlite3", tmp_path / "second.sqlite3"
    assert push(days(1), ledger=first).is_complete
    before = fast.accepted()

    with pytest.raises(bankfeeds.HistoryUnknownError) as caught:
        push(days(1, 2), ledger=second)
    e = caught.value
    assert isinstance(e, bankfeeds.PushError) and e.kind == "history_unknown" and not e.retryable
    assert e.account_id == "acc-fresh" and len(e.operations) == 1
    text = str(e)
    for expected in ['unknown_history="trust"', "skip_through=DATE or skip_through=(DATE, ID)", "ledger=PATH", "nothing was sent", str(second)]:
        assert expected in text, text
    assert "PushOptions" not in text and "unreadable" not in text
    assert fast.accepted() == before

    # Without a ledger at all, the message says so.
    with pytest.raises(bankfeeds.HistoryUnknownError, match="ledger=False keeps no record"):
        push(days(1, 2), ledger=False)

    # Trusting the caller: day 2's new rows go.
    trusted = push(days(2), ledger=second, unknown_history="trust")
    assert trusted.is_complete and (trusted.pushed, trusted.unknown_operations) == (3, 1)

    # What a fresh ledger sees: the two operations nobody accounts for.
    history = fast.client.push_history(a.company, a.connection, a.account, ledger=tmp_path / "third.sqlite3")
    unknown = history["unknown_operations"]
    assert [u["status"] for u in unknown] == ["Success", "Success"] and history["transaction_ids"] == []
    assert all(u["requested_on_utc"].tzinfo is not None for u in unknown)

    # A cursor: the account has everything up to day 2's last row.
    cursor = push(days(1, 3), ledger=tmp_path / "fourth.sqlite3", skip_through=(dt.date(2024, 5, 12), "d2-3"))
    assert cursor.is_complete and (cursor.skipped_by_cursor, cursor.pushed) == (ids(1, 2), 3)
    # As text: a whole day.
    text_cursor = push(days(1, 4), ledger=tmp_path / "fifth.sqlite3", skip_through="2024-05-13")
    assert (text_cursor.skipped_by_cursor, text_cursor.pushed) == (ids(1, 3), 3)
    assert fast.stored(a) == ids(1, 4)
    sent = fast.accepted()

    # What cannot be used is refused before anything is sent.
    fresh = tmp_path / "sixth.sqlite3"
    with pytest.raises(bankfeeds.ConfigurationError, match="not both"):
        push(days(1, 5), ledger=fresh, unknown_history="trust", skip_through=dt.date(2024, 5, 14))
    with pytest.raises(bankfeeds.ConfigurationError, match='unknown_history must be "refuse" or "trust"'):
        push(days(1, 5), ledger=fresh, unknown_history="maybe")
    with pytest.raises(bankfeeds.ConfigurationError, match="no row of that date has that id"):
        push(days(1, 5), ledger=fresh, skip_through=("2024-05-14", "d3-1"))
    assert fast.accepted() == sent


# ---- a ledger written in Python ----------------------------------------------------------------


class SaveFails(DictLedger):
    """Raises from the ``nth`` save (1: recording a batch before it is sent; 2: recording that
    Codat accepted it), then works."""

    def __init__(self, raised: BaseException, nth: int = 1) -> None:
        super().__init__()
        self.raised = raised
        self.nth = nth
        self.failing = True

    def save(self, batch: bankfeeds.LedgerBatch) -> None:
        if self.failing and self.calls.get("save", 0) + 1 == self.nth:
            self.count("save")
            raise self.raised
        super().save(batch)


@pytest.mark.parametrize("raised", [OSError("disk full"), KeyboardInterrupt(), SystemExit(3)], ids=["error", "ctrl-c", "exit"])
def test_what_a_ledger_raises_stops_the_push(fast: Sandbox, raised: BaseException) -> None:
    a = fast.account("gbol", f"acc-ledger-raises-{type(raised).__name__}")
    ledger = SaveFails(raised)
    before = fast.accepted()
    if isinstance(raised, Exception):
        with pytest.raises(bankfeeds.LedgerError) as caught:
            pusher(fast, a, ledger=ledger)(days(1))
        e = caught.value
        assert isinstance(e, bankfeeds.BankFeedsError) and e.kind == "ledger" and e.__cause__ is raised
        assert "SaveFails.save() raised OSError: disk full" in str(e)
    else:
        with pytest.raises(type(raised)) as raised_here:
            pusher(fast, a, ledger=ledger)(days(1))
        assert raised_here.value is raised
    assert fast.accepted() == before, "nothing was sent: a batch is recorded before it is sent"
    assert ledger.leases == {} and ledger.calls["release"] == 1, "the lease was given back"


def test_a_push_whose_record_failed_after_accept_is_looked_up_not_resent(fast: Sandbox) -> None:
    """The ledger failed to record that Codat accepted the batch: the record stays `sending`, and
    the next push finds the operation among the connection's (it says nothing of what it carried)
    instead of sending the rows again."""
    a = fast.account("gbol", "acc-ledger-after-accept")
    ledger = SaveFails(RuntimeError("connection to the bank's database lost"), nth=2)
    push = pusher(fast, a, ledger=ledger)
    before = fast.accepted()
    with pytest.raises(bankfeeds.LedgerError, match="database lost"):
        push(days(1))
    assert fast.accepted() - before == 1
    assert [b["state"] for b in ledger.stored.values()] == ["sending"]
    ledger.failing = False
    report = push(days(1))
    assert report.is_complete and (report.pushed, report.already_pushed) == (0, ids(1))
    # Found while still pending (then waited for) or already done.
    ((batch_id, found),) = report.recovered
    assert batch_id in ledger.stored and found in ("pending", "success")
    assert [b["state"] for b in ledger.stored.values()] == ["success"]
    assert fast.accepted() - before == 1 and fast.stored(a) == ids(1)


class ReleaseFails(DictLedger):
    def release(self, account: bankfeeds.LedgerAccount, holder: bankfeeds.LeaseHolder) -> None:
        self.count("release")
        raise OSError("read-only database")


def test_a_lease_not_given_back_is_raised_once_the_push_is_over(fast: Sandbox) -> None:
    """The core gives the lease back as the push ends: the push is done, and what `release`
    raised is raised then."""
    a = fast.account("gbol", "acc-ledger-release")
    ledger = ReleaseFails()
    with pytest.raises(bankfeeds.LedgerError) as caught:
        pusher(fast, a, ledger=ledger)(days(1))
    assert isinstance(caught.value.__cause__, OSError)
    assert "ReleaseFails.release() raised OSError: read-only database; the account's lease was not given back" in str(caught.value)
    assert fast.stored(a) == ids(1) and [b["state"] for b in ledger.stored.values()] == ["success"]


def test_a_callback_s_exception_wins_and_a_python_ledger_s_lease_is_given_back(fast: Sandbox) -> None:
    a = fast.account("gbol", "acc-ledger-callback")
    ledger = DictLedger()

    def on_progress(p: dict[str, Any]) -> None:
        if p["stage"] == "waiting":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        pusher(fast, a, ledger=ledger)(days(1), on_progress=on_progress)
    assert ledger.leases == {} and ledger.calls["release"] == 1
    assert [b["state"] for b in ledger.stored.values()] == ["pending"]
    # The next push waits for the batch Codat accepted instead of sending it again.
    report = pusher(fast, a, ledger=ledger)(days(1))
    assert (report.pushed, report.already_pushed) == (0, ids(1)) and fast.stored(a) == ids(1)


class Busy(DictLedger):
    """Another holder has every account."""

    def acquire(
        self, account: bankfeeds.LedgerAccount, holder: bankfeeds.LeaseHolder, ttl: float
    ) -> bankfeeds.Lease | None:
        self.count("acquire")
        return bankfeeds.Lease(bankfeeds.LeaseHolder("other", "batch-server", 4242), bankfeeds.lease_expiry(60))


class WrongTypes(DictLedger):
    def batches(self, company_id: str, connection_id: str) -> list[Any]:
        return [{"batch_id": "x"}]


class Incomplete:
    def batches(self, company_id: str, connection_id: str) -> list[bankfeeds.LedgerBatch]:
        return []

    save = None


def test_a_python_ledger_that_answers_badly(fast: Sandbox) -> None:
    a = fast.account("gbol", "acc-ledger-bad")
    push = pusher(fast, a)
    before = fast.accepted()
    with pytest.raises(bankfeeds.AccountBusyError) as busy:
        push(days(1), ledger=Busy())
    assert busy.value.holder == "process 4242 on batch-server" and "lock_wait=" in str(busy.value)

    with pytest.raises(bankfeeds.LedgerError) as caught:
        push(days(1), ledger=WrongTypes())
    assert isinstance(caught.value.__cause__, TypeError)
    assert "batches() must return bankfeeds.LedgerBatch objects" in str(caught.value)

    with pytest.raises(TypeError, match="Incomplete lacks save, acquire, release, lease"):
        push(days(1), ledger=Incomplete())
    with pytest.raises(TypeError, match="ledger=True is not a ledger"):
        push(days(1), ledger=True)
    assert fast.accepted() == before


# ---- the caller's rules, asyncio ---------------------------------------------------------------


def test_the_callers_rules_stop_a_push_before_anything_is_sent(fast: Sandbox, tmp_path: Path) -> None:
    a = fast.account("gbol", "acc-rules")
    rows = days(1)
    rows[1]["transaction_type"] = "Credit"  # a negative amount: the sign contradicts the type
    push = pusher(fast, a, ledger=tmp_path / "ledger.sqlite3")
    before = fast.accepted()
    with pytest.raises(bankfeeds.ValidationError) as caught:
        push(rows, rules={"sign_mismatch": "error"})
    assert (caught.value.report.errors[0].code, caught.value.row, caught.value.id) == ("sign_mismatch", 1, "d1-2")
    assert fast.accepted() == before
    with pytest.raises(bankfeeds.ConfigurationError, match="rules"):
        push(rows, rules={"sign_mismatch": "fatal"})
    # As Codat applies it, a warning: the push goes.
    report = push(rows)
    assert report.is_complete and [i.code for i in report.validation.warnings] == ["sign_mismatch"]


def test_asyncio_push_with_a_ledger(fast: Sandbox, tmp_path: Path) -> None:
    a = fast.account("gbol", "acc-async")
    ledger = tmp_path / "ledger.sqlite3"

    async def main() -> tuple[bankfeeds.PushReport, bankfeeds.PushReport, dict[str, Any]]:
        client = AsyncClient(client=fast.client)
        first = await client.push_transactions(a.company, a.connection, a.account, days(1), today=TODAY, poll_interval=0.02, ledger=ledger)
        again = await client.push_transactions(a.company, a.connection, a.account, days(1, 2), today=TODAY, poll_interval=0.02, ledger=ledger)
        history = await client.push_history(a.company, a.connection, a.account, ledger=ledger)
        return first, again, history

    first, again, history = asyncio.run(main())
    assert first.pushed == 3 and (again.pushed, again.already_pushed) == (3, ids(1))
    assert history["transaction_ids"] == ids(1, 2) and len(history["successful_operations"]) == 2
    assert history["newest"] == dt.datetime(2024, 5, 12, 11, 30)
    assert fast.stored(a) == ids(1, 2)


# ---- waiting by webhook ------------------------------------------------------------------------


def test_a_push_given_webhook_updates_waits_for_them_not_for_its_poll(slow: Sandbox, tmp_path: Path) -> None:
    """With ``events``, a batch ends when its update is fed, although the fallback read is an
    hour away; the same push without anyone feeding updates is still waiting when its wait ends."""
    a = slow.account("gbol", "acc-events")
    events = bankfeeds.PushEvents(fallback=3600)
    assert events.fallback == 3600.0
    push = pusher(slow, a, ledger=tmp_path / "ledger.sqlite3", events=events, wait_timeout=4)

    unfed = push(days(1))
    assert not unfed.is_complete and unfed.stopped is not None and unfed.stopped["reason"] == "still_pending", unfed.stopped

    # A stand-in for the application's webhook receiver: each operation that ended is fed.
    fed: list[str] = []
    stop = threading.Event()

    def receiver() -> None:
        while not stop.is_set():
            for op in slow.call("GET", f"/companies/{a.company}/push?page=1&pageSize=100")["results"]:
                if op["status"] != "Pending" and op["pushOperationKey"] not in fed:
                    events.deliver(op["pushOperationKey"], op["status"])
                    fed.append(op["pushOperationKey"])
            time.sleep(0.05)

    thread = threading.Thread(target=receiver)
    thread.start()
    try:
        report = push(days(1, 2))
    finally:
        stop.set()
        thread.join()
    assert report.is_complete, report.stopped
    assert (report.pushed, sorted(report.already_pushed)) == (3, ids(1))
    # Both operations' ends were fed: the unfed push's first batch (waited for by the rerun) and
    # the rerun's own.
    assert len(fed) == 2 and set(report.operation_keys) < set(fed), (fed, report.operation_keys)
    assert slow.stored(a) == ids(1, 2)


def test_push_events_refuse_what_is_not_an_update() -> None:
    events = bankfeeds.PushEvents()
    events.deliver("op-1", "Success")
    assert events.status("op-1") == "Success" and events.status("op-2") is None
    with pytest.raises(bankfeeds.ConfigurationError, match="status must be one of"):
        events.deliver("op-1", "Done")  # type: ignore[arg-type]
    with pytest.raises(bankfeeds.ConfigurationError, match="operation_key must not be empty"):
        events.deliver(" ", "Success")
    with pytest.raises(bankfeeds.ConfigurationError, match="fallback must be a number of seconds"):
        bankfeeds.PushEvents(fallback=-1)
    with pytest.raises(TypeError):
        bankfeeds.Client("k").push_transactions("c", "k", "a", [], events="yes")  # type: ignore[arg-type]


# ---- many accounts -----------------------------------------------------------------------------


def test_push_all_pushes_each_account_once_and_one_failure_stops_no_other(fast: Sandbox, tmp_path: Path) -> None:
    a = fast.account("gbol", "acc-all-1")
    b = fast.add_account(a.company, a.connection, "acc-all-2")
    c = fast.account("gbol", "acc-all-3")
    broken = days(1)
    broken[1] = {**broken[1], "balance": broken[1]["balance"] + Decimal("0.01")}
    seen: list[tuple[str, str]] = []

    def push_all(**options: Any) -> list[dict[str, Any]]:
        return fast.client.push_all(
            [
                (a.company, a.connection, a.account, days(1)),
                {"company_id": b.company, "connection_id": b.connection, "account_id": b.account, "rows": days(1, 2)},
                (c.company, c.connection, c.account, broken),
            ],
            ledger=tmp_path / "ledger.sqlite3",
            today=TODAY,
            poll_interval=0.02,
            concurrency=2,
            **options,
        )

    results = push_all(on_progress=lambda p: seen.append((p["account_id"], p["state"])))
    assert [(r["account_id"], r["status"]) for r in results] == [
        ("acc-all-1", "complete"),
        ("acc-all-2", "complete"),
        ("acc-all-3", "failed"),
    ]
    assert results[0]["report"].pushed == 3 and results[1]["report"].pushed == 6
    assert results[2]["report"] is None
    error = results[2]["error"]
    assert isinstance(error, bankfeeds.ValidationError) and error.code == "validation"
    assert any(i.code == "balance_mismatch" for i in error.report.errors)
    for account in ("acc-all-1", "acc-all-2", "acc-all-3"):
        states = [s for n, s in seen if n == account]
        assert states[0] == "queued", states
    assert ("acc-all-1", "complete") in seen and ("acc-all-3", "failed") in seen
    assert ("acc-all-1", "pushing") in seen

    # The rerun sends nothing the accounts already have.
    again = push_all()
    assert [r["report"].pushed for r in again[:2]] == [0, 0]
    assert sorted(again[1]["report"].already_pushed) == ids(1, 2)
    assert fast.stored(a) == ids(1) and fast.stored(b) == ids(1, 2) and fast.stored(c) == []


def test_a_push_takes_a_file_path_and_reads_it_when_its_turn_comes(fast: Sandbox, tmp_path: Path) -> None:
    a = fast.account("gbol", "acc-file-1")
    b = fast.add_account(a.company, a.connection, "acc-file-2")
    c = fast.add_account(a.company, a.connection, "acc-file-3")
    # A push body as JSON, and a CSV, both written by hand from the same rows.
    body = tmp_path / "a.json"
    body.write_text(bankfeeds.push_bodies(a.account, days(1, 2), size=1000)[0].to_json())
    statement = tmp_path / "b.csv"
    lines = ["id,date,description,amount,balance"] + [
        f"{r['id']},{r['date'].isoformat()},{r['description']},{r['amount']},{r['balance']}" for r in days(1)
    ]
    statement.write_text("\n".join(lines) + "\n")
    options: dict[str, Any] = dict(ledger=tmp_path / "ledger.sqlite3", today=TODAY, poll_interval=0.02)

    report = fast.client.push_transactions(a.company, a.connection, a.account, body, **options)
    assert (report.pushed, report.is_complete) == (6, True)
    assert fast.stored(a) == ids(1, 2)

    before = fast.accepted()
    results = fast.client.push_all(
        [
            (b.company, b.connection, b.account, str(statement)),
            (c.company, c.connection, c.account, tmp_path / "missing.csv"),
        ],
        concurrency=1,
        **options,
    )
    assert [r["status"] for r in results] == ["complete", "failed"]
    assert results[0]["report"].pushed == 3 and fast.stored(b) == ids(1)
    error = results[1]["error"]
    assert isinstance(error, bankfeeds.ValidationError), error
    (finding,) = error.report.errors
    assert finding.code == "malformed_input" and "missing.csv" in finding.message, finding
    assert fast.stored(c) == [] and fast.accepted() == before + 1
    with pytest.raises(TypeError, match="rows must be"):
        fast.client.push_transactions(a.company, a.connection, a.account, b"id,date\n", **options)  # type: ignore[arg-type]


def test_push_all_refuses_accounts_it_cannot_read_before_sending_anything(fast: Sandbox, tmp_path: Path) -> None:
    before = fast.accepted()
    with pytest.raises(bankfeeds.ConfigurationError, match=r"accounts\[1\] must be a"):
        fast.client.push_all([("c", "k", "a", days(1)), ("c", "k")], ledger=tmp_path / "l.sqlite3")  # type: ignore[list-item]
    with pytest.raises(bankfeeds.ConfigurationError, match=r'accounts\[0\] has no "rows"'):
        fast.client.push_all([{"company_id": "c", "connection_id": "k", "account_id": "a"}], ledger=False)
    with pytest.raises(bankfeeds.ConfigurationError, match="concurrency must be a whole number of at least 1"):
        fast.client.push_all([], concurrency=0)
    with pytest.raises(bankfeeds.ConfigurationError, match="max_per_company must be a whole number"):
        bankfeeds.Client("k", max_per_company=0)
    assert fast.client.push_all([], ledger=False) == []
    assert fast.accepted() == before
