"""Balance chains (fill_forward, fill_backward, verify), batching and push bodies."""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import bankfeeds
from conftest import TODAY, chain_rows, threads_named


def unbalanced() -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if k != "balance"} for r in chain_rows()]


def test_fill_backward_from_what_the_bank_shows() -> None:
    result = bankfeeds.fill_backward(unbalanced(), Decimal("2400.00"))
    assert [t.balance for t in result.transactions] == [Decimal("2500.00"), Decimal("2496.80"), Decimal("2400.00")]
    assert (result.opening, result.closing) == (Decimal("0.00"), Decimal("2400.00"))
    assert len(result) == 3 and result.transactions.source_rows == [0, 1, 2]


def test_fill_forward_keeps_cents_exact() -> None:
    rows = [{"id": str(i), "date": "2024-05-01", "amount": Decimal("0.10")} for i in range(10)]
    result = bankfeeds.fill_forward(rows, "0.20")
    assert result.closing == Decimal("1.20")
    assert result.transactions[0].balance == Decimal("0.30")


def test_fill_refuses_rows_with_errors() -> None:
    rows = unbalanced()
    rows[1]["amount"] = "3,20"
    with pytest.raises(bankfeeds.ValidationError) as caught:
        bankfeeds.fill_forward(rows, 0)
    assert (caught.value.row, caught.value.field, caught.value.report.errors[0].code) == (1, "amount", "invalid_number")


def test_fill_overflow_is_an_error_naming_the_row() -> None:
    big = Decimal("9" * 28)  # the most digits an amount may have; eight of them overflow
    rows = [{"id": f"r{i}", "date": "2024-05-01", "amount": big} for i in range(9)]
    with pytest.raises(bankfeeds.ValidationError) as caught:
        bankfeeds.fill_forward(rows, 0)
    assert (caught.value.row, caught.value.id, caught.value.report.errors[0].code) == (7, "r7", "balance_overflow")


def test_fill_anchor_must_be_exact() -> None:
    with pytest.raises(bankfeeds.ConfigurationError, match="closing is not an exact amount"):
        bankfeeds.fill_backward(unbalanced(), 0.1)


def test_verify_lists_every_break() -> None:
    rows = chain_rows()
    rows[1]["balance"] = Decimal("2496.81")
    rows.append({"id": "t4", "date": "2024-05-04", "amount": "1.00"})
    chain = bankfeeds.verify(rows, opening=Decimal("0"))
    assert not chain.is_intact
    assert [(b.row, b.id, b.expected, b.found, b.difference) for b in chain.breaks] == [
        (1, "t2", Decimal("2496.80"), Decimal("2496.81"), Decimal("0.01")),
        (2, "t3", Decimal("2400.01"), Decimal("2400.00"), Decimal("-0.01")),
    ]
    assert chain.missing == [3] and chain.overflows == []
    assert chain.to_dicts()[0] == {
        "row": 1,
        "id": "t2",
        "expected": Decimal("2496.80"),
        "found": Decimal("2496.81"),
        "difference": Decimal("0.01"),
    }
    assert bankfeeds.verify(chain_rows()).is_intact
    assert repr(chain) == "ChainReport(2 break(s), 1 missing, 0 overflow(s))"


def test_batches_keep_order_and_rows() -> None:
    rows = [{"id": f"t{i}", "date": "2024-05-01", "amount": "1"} for i in range(25)]
    parts = bankfeeds.batches(rows, size=10)
    assert [len(p) for p in parts] == [10, 10, 5]
    assert [t.id for p in parts for t in p] == [r["id"] for r in rows]
    assert parts[1].source_rows == list(range(10, 20))
    with pytest.raises(bankfeeds.ConfigurationError, match="size must be a whole number of at least 1, not 0"):
        bankfeeds.batches(rows, size=0)
    assert len(bankfeeds.batches(rows * 100, size=5000)[0]) == 1000


def test_push_bodies_are_wire_exact() -> None:
    bodies = bankfeeds.push_bodies("acc-1", chain_rows(), size=2)
    assert [len(b) for b in bodies] == [2, 1]
    wire = json.loads(bodies[0].to_json(), parse_float=Decimal)
    assert wire["accountId"] == "acc-1"
    assert wire["transactions"][1] == {
        "id": "t2",
        "date": "2024-05-02",
        "description": "Coffee",
        "amount": Decimal("-3.20"),
        "balance": Decimal("2496.80"),
        "transactionType": "Debit",
    }
    assert bodies[0].to_json().count("-3.20") == 1
    # Byte for byte the core's push body: each transaction exactly as Transaction.to_json writes it.
    txs = bodies[0].transactions
    assert bodies[0].to_json() == '{"accountId":"acc-1","transactions":[' + ",".join(t.to_json() for t in txs) + "]}"
    with pytest.raises(bankfeeds.ValidationError):
        bankfeeds.push_bodies("acc-1", [{"id": "a"}])


def many_rows(n: int) -> list[dict[str, Any]]:
    """`n` rows with texts that need escaping and amounts of every sign and scale."""
    descriptions = ['Card "payment"', "back\\slash", "tab\there", "caf\u00e9 \U0001f600", "plain"]
    return [
        {
            "id": f"id-{i}",
            "date": f"2024-05-{1 + i % 28:02d}T{i % 24:02d}:00:00",
            "amount": Decimal(i * 7919 % 20001 - 10000).scaleb(-(i % 3)),
            "description": descriptions[i % len(descriptions)],
            "transaction_type": "Debit" if i % 2 else "Credit",
        }
        for i in range(n)
    ]


def test_push_bodies_written_ahead_match_bodies_written_alone() -> None:
    # `push_bodies` writes the next bodies' JSON on other cores while one is asked for; each
    # must be byte for byte what the body writes alone, in any order and however often asked.
    bodies = bankfeeds.push_bodies("acc-1", many_rows(4500))
    assert [len(b) for b in bodies] == [1000, 1000, 1000, 1000, 500]
    alone = [bankfeeds.PushBody("acc-1", b.transactions).to_json() for b in bodies]
    assert alone[0].startswith('{"accountId":"acc-1","transactions":[{"id":"id-0",')
    assert '"description":"Card \\"payment\\""' in alone[0] and "\\ud83d\\ude00" not in alone[0]
    assert [b.to_json() for b in bodies] == alone
    assert [b.to_json() for b in bodies] == alone  # again: each written anew
    fresh = bankfeeds.push_bodies("acc-1", many_rows(4500))
    assert [fresh[i].to_json() for i in (3, 1, 0, 4, 2, 1)] == [alone[i] for i in (3, 1, 0, 4, 2, 1)]
    from concurrent.futures import ThreadPoolExecutor

    fresh = bankfeeds.push_bodies("acc-1", many_rows(4500))
    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(lambda b: b.to_json(), fresh * 3)) == alone * 3


def _json_writers() -> int:
    """Threads of this process writing push bodies ahead."""
    return threads_named("bankfeeds-json")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc and forks")
def test_body_writers_end_with_their_bodies_and_a_forked_child_writes_its_own() -> None:
    import os
    import time
    import warnings

    rows = many_rows(12_000)
    alone = [bankfeeds.PushBody("acc-1", b.transactions).to_json() for b in bankfeeds.push_bodies("acc-1", rows)]
    bodies = bankfeeds.push_bodies("acc-1", rows)
    assert bodies[0].to_json() == alone[0]
    if (os.cpu_count() or 1) > 1:
        assert _json_writers() >= 1
    time.sleep(0.1)  # the writers have written their bodies ahead and wait, holding no lock
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # 3.12+: forking with threads
        pid = os.fork()
    if pid == 0:  # the child: no writer threads came along, and no body waits for one
        ok = [b.to_json() for b in bodies] == alone
        os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert [b.to_json() for b in bodies[1:4]] == alone[1:4]
    deadline = time.monotonic() + 5
    while _json_writers() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _json_writers() == 0  # bodies held but not asked for keep no thread
    assert [b.to_json() for b in bodies[4:]] == alone[4:]
    del bodies
    deadline = time.monotonic() + 5
    while _json_writers() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _json_writers() == 0


FREEING = r"""
import datetime as dt, sys, time
sys.path.insert(0, sys.argv[1])
from conftest import threads_named
import bankfeeds

def freeing_threads():
    return threads_named("bankfeeds-free")

rows = [{"id": f"id-{i}", "date": dt.date(2024, 5, 1), "amount": "1.00"} for i in range(120_000)]
small = bankfeeds.normalise(rows[:10], today=dt.date(2024, 6, 1))
del small  # small batches are freed where they are let go
assert freeing_threads() == 0, "a small batch started the thread"
result = bankfeeds.normalise(rows, today=dt.date(2024, 6, 1), sort=False, dedupe=False)
bodies = result.push_bodies("acc-1")
transactions = result.transactions
first = bodies[0].to_json()
del result  # the bodies and the batch still hold the transactions
assert bodies[0].to_json() == first
assert transactions[0].id == "id-0" and len(transactions) == 120_000
del bodies
assert transactions[119_999].id == "id-119999"
assert freeing_threads() == 0, "a batch still held was let go"
del transactions  # the last holder (with the bodies' writers, which let go within 0.2 s)
deadline = time.monotonic() + 5
while not freeing_threads() and time.monotonic() < deadline:
    time.sleep(0.05)
assert freeing_threads() == 1, "the batch was not freed on a thread of its own"
print("ok")
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_large_batch_let_go_of_is_freed_on_a_thread_and_what_still_holds_it_keeps_it() -> None:
    # In a fresh interpreter, so that no earlier test has started the thread.
    import subprocess

    tests = str(Path(__file__).parent)
    done = subprocess.run([sys.executable, "-c", FREEING, tests], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


def test_validate_push() -> None:
    txs = bankfeeds.normalise(chain_rows(), today=TODAY).transactions
    body = bankfeeds.PushBody("acc-1", txs)
    assert bankfeeds.validate_push(body, platform="xero", today=TODAY).is_valid
    wrong = bankfeeds.validate_push(body, today=TODAY, account=bankfeeds.Account(id="acc-2"))
    assert [(i.field, i.code, i.expected, i.found) for i in wrong.errors] == [
        ("accountId", "multiple_accounts", "acc-2", "acc-1")
    ]
    as_dict = bankfeeds.validate_push({"accountId": "", "transactions": list(txs)}, today=TODAY)
    assert [(i.field, i.code) for i in as_dict.errors] == [("accountId", "missing_field")]
    with pytest.raises(TypeError):
        bankfeeds.validate_push("body")  # type: ignore[arg-type]


def test_profiles() -> None:
    xero = bankfeeds.profile("xero")
    assert (xero.platform, xero.key, xero.name, xero.max_batch) == ("xero", "gbol", "Xero", 1000)
    assert (xero.missing_balance, xero.max_age_days, xero.max_counterparty) == ("error", 365, 255)
    assert xero.account_types == ["Debit", "Credit"]
    qbo = bankfeeds.profile("hcws")
    assert qbo.platform == "qbo" and qbo.description_required
    assert qbo.allowed_types == ["Credit", "Debit", "Unknown"]
    assert qbo.ignored_fields == ["counterparty", "reference", "reconciled"]
    assert qbo.countries == ["US", "CA"]
    assert bankfeeds.profile("freeagent").type_decides_direction
    assert bankfeeds.PLATFORMS == ("generic", "xero", "qbo", "freeagent", "sage", "netsuite", "exact")
    assert all(bankfeeds.profile(p).platform == p for p in bankfeeds.PLATFORMS)
    assert bankfeeds.CODES["balance_mismatch"] == "error"
    assert bankfeeds.CODES["offset_dropped"] == "warning"
    with pytest.raises(bankfeeds.ConfigurationError, match="unknown platform `quickbook`"):
        bankfeeds.profile("quickbook")
