"""The client against the sandbox (`bankfeeds sandbox`, started here as a subprocess): the whole
flow up to the high-level push, errors as exceptions with their details, threads and asyncio."""

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
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest

import bankfeeds
from bankfeeds.aio import AsyncClient

TODAY = dt.date(2024, 6, 1)


def post(url: str, body: dict[str, Any] | None = None) -> Any:
    data = json.dumps(body or {}).encode()
    req = urllib.request.Request(url, data=data, method="POST", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req) as answer:
        return json.loads(answer.read() or b"null")


def get(url: str) -> Any:
    with urllib.request.urlopen(url) as answer:
        return json.loads(answer.read(), parse_float=Decimal)


@pytest.fixture(scope="module")
def client(sandbox: str) -> bankfeeds.Client:
    return bankfeeds.Client("test-key", base_url=sandbox, request_timeout=10)


def linked_account(client: bankfeeds.Client, sandbox: str, account_id: str) -> tuple[str, str]:
    """A company with a linked Xero connection and a connected GBP source account."""
    company = client.create_company({"name": f"Acme {account_id}"})
    connection = client.create_connection(company.id, "gbol")
    assert connection.status == "PendingAuth"
    post(f"{sandbox}/sandbox/companies/{company.id}/connections/{connection.id}/link")
    created = client.create_source_account(
        company.id,
        connection.id,
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
    assert created.status == "pending"
    post(
        f"{sandbox}/sandbox/companies/{company.id}/connections/{connection.id}/bankFeedAccounts/{account_id}/map",
        {"feedStartDate": "2024-05-01"},
    )
    return company.id, connection.id


def rows(n: int = 3, start: int = 0) -> list[dict[str, Any]]:
    out, balance = [], Decimal("0.00")
    for i in range(start):
        balance += Decimal("4002.00") if i % 2 == 0 else Decimal("-17.54")
    for i in range(start, start + n):
        amount = Decimal("4002.00") if i % 2 == 0 else Decimal("-17.54")
        balance += amount
        out.append(
            {
                "id": f"t{i}",
                "date": dt.datetime(2024, 5, 2) + dt.timedelta(hours=i),
                "amount": amount,
                "balance": balance,
                "description": f"Line {i}",
            }
        )
    return out


def test_companies_connections_and_models(client: bankfeeds.Client, sandbox: str) -> None:
    company = client.create_company({"name": "Models Ltd", "description": "d"})
    assert isinstance(company.created, dt.datetime)
    assert company.created.tzinfo is not None and company.created.utcoffset() == dt.timedelta(0)
    assert client.get_company(company.id).name == "Models Ltd"
    assert any(c.id == company.id for c in client.list_companies(page_size=50))
    updated = client.update_company(company.id, {"description": "updated"})
    assert updated.description == "updated"
    connection = client.create_connection(company.id, "gbol")
    assert connection.platform_name and connection.link_url.startswith("http")
    assert client.get_connection(company.id, connection.id).id == connection.id
    assert [c.id for c in client.list_connections(company.id)] == [connection.id]
    assert client.fresh_link_url(company.id, connection.id) is not None
    post(f"{sandbox}/sandbox/companies/{company.id}/connections/{connection.id}/link")
    assert client.list_source_accounts(company.id, connection.id) == []
    assert client.find_source_account(company.id, connection.id, "nope") is None
    unlinked = client.unlink_connection(company.id, connection.id)
    assert unlinked.status == "Unlinked"
    client.delete_company(company.id)
    with pytest.raises(bankfeeds.ApiError) as caught:
        client.get_company(company.id)
    err = caught.value
    assert err.status == 404 and err.kind == "api" and not err.retryable
    assert err.operation is not None and err.operation.startswith("GET ")
    assert isinstance(err.body, dict) and err.body["status_code"] == 404
    assert err.message


def test_the_whole_flow_with_the_high_level_push(client: bankfeeds.Client, sandbox: str) -> None:
    company_id, connection_id = linked_account(client, sandbox, "acc-flow")
    account = client.find_source_account(company_id, connection_id, "acc-flow")
    assert account is not None and account.status == "connected"
    assert account.feed_start_date == dt.datetime(2024, 5, 1, tzinfo=dt.timezone.utc)
    seen: list[str] = []
    report = client.push_transactions(
        company_id, connection_id, "acc-flow", rows(3), today=TODAY, poll_interval=0.02,
        on_progress=lambda p: seen.append(p["stage"]),
    )
    assert report.is_complete, str(report)
    assert (report.pushed, report.not_pushed, report.transactions, report.platform) == (3, 0, 3, "xero")
    assert report.batches[0]["status"] == "Success" and report.batches[0]["first_id"] == "t0"
    assert "finished" in seen and "sending" in seen
    key = report.operation_keys[0]
    operation = client.get_push_operation(company_id, key)
    assert operation.status == "Success"
    requested = operation.requested_on_utc
    assert isinstance(requested, dt.datetime) and requested.utcoffset() == dt.timedelta(0)
    stored = get(f"{sandbox}/sandbox/companies/{company_id}/connections/{connection_id}/bankFeedAccounts/acc-flow/transactions")
    assert [t["amount"] for t in stored] == [Decimal("4002.00"), Decimal("-17.54"), Decimal("4002.00")]
    assert json.dumps(stored[0]["date"]) == '"2024-05-02T00:00:00"'
    # Running it again sends only what is missing.
    again = client.push_transactions(company_id, connection_id, "acc-flow", rows(4), today=TODAY, poll_interval=0.02)
    assert (again.already_pushed, again.pushed) == (["t0", "t1", "t2"], 1)
    history = client.push_history(company_id, connection_id, "acc-flow")
    assert history["transaction_ids"] == ["t0", "t1", "t2", "t3"]
    assert len(list(client.list_push_operations(company_id))) == 2
    waited = client.wait_for_push_operation(company_id, key, poll_interval=0.02, timeout=5)
    assert waited.push_operation_key == key


def test_push_from_arrow_and_typed_objects(client: bankfeeds.Client, sandbox: str) -> None:
    company_id, connection_id = linked_account(client, sandbox, "acc-arrow")
    table = pa.Table.from_pylist(rows(2))
    report = client.push_transactions(company_id, connection_id, "acc-arrow", table, today=TODAY, poll_interval=0.02)
    assert report.is_complete and report.pushed == 2
    typed = bankfeeds.normalise(rows(2, start=2), today=TODAY).transactions
    report = client.push_transactions(company_id, connection_id, "acc-arrow", typed, today=TODAY, poll_interval=0.02)
    assert report.is_complete and report.pushed == 2


def test_invalid_rows_raise_and_nothing_is_sent(client: bankfeeds.Client, sandbox: str) -> None:
    company_id, connection_id = linked_account(client, sandbox, "acc-bad")
    bad = rows(3)
    bad[1]["balance"] = Decimal("1.00")
    with pytest.raises(bankfeeds.ValidationError) as caught:
        client.push_transactions(company_id, connection_id, "acc-bad", bad, today=TODAY)
    assert (caught.value.row, caught.value.field, caught.value.report.errors[0].code) == (1, "balance", "balance_mismatch")
    assert client.push_history(company_id, connection_id, "acc-bad")["transaction_ids"] == []


def test_push_to_a_missing_account_is_a_push_error(client: bankfeeds.Client, sandbox: str) -> None:
    company_id, connection_id = linked_account(client, sandbox, "acc-real")
    with pytest.raises(bankfeeds.PushError) as caught:
        client.push_transactions(company_id, connection_id, "acc-missing", rows(1), today=TODAY)
    assert caught.value.kind == "source_account_not_found"


def test_raw_push_and_push_batch(client: bankfeeds.Client, sandbox: str) -> None:
    company_id, connection_id = linked_account(client, sandbox, "acc-raw")
    body = bankfeeds.push_bodies("acc-raw", rows(2))[0]
    pending = client.create_bank_transactions(company_id, connection_id, body)
    assert pending.status == "Pending"
    done = client.wait_for_push_operation(company_id, pending.push_operation_key, poll_interval=0.02)
    assert done.status == "Success"
    pushed = client.push_batch(company_id, connection_id, bankfeeds.push_bodies("acc-raw", rows(1, start=2))[0])
    assert pushed.attempts == 1 and not pushed.recovered


def test_transport_errors_and_configuration(sandbox: str) -> None:
    dead = bankfeeds.Client("k", base_url="http://127.0.0.1:9", retries=False, connect_timeout=2)
    with pytest.raises(bankfeeds.TransportError) as caught:
        list(dead.list_companies())
    assert caught.value.retryable and caught.value.kind == "transport"
    with pytest.raises(bankfeeds.ConfigurationError):
        bankfeeds.Client("k", base_url="not a url")
    with pytest.raises(bankfeeds.ConfigurationError, match="company"):
        bankfeeds.Client("k", base_url=sandbox).create_company({"description": "no name"})
    unauthorised = bankfeeds.Client(auth_header=("X-Other", "x"), base_url=sandbox, retries=False)
    with pytest.raises(bankfeeds.ApiError) as denied:
        list(unauthorised.list_companies())
    assert denied.value.status == 401


def test_pushes_run_in_parallel_threads_with_the_gil_released(client: bankfeeds.Client, sandbox: str) -> None:
    accounts = [linked_account(client, sandbox, f"acc-thread-{k}") for k in range(2)]
    reports: list[bankfeeds.PushReport] = []
    ticks = 0
    done = threading.Event()

    def push(k: int) -> None:
        company_id, connection_id = accounts[k]
        reports.append(client.push_transactions(company_id, connection_id, f"acc-thread-{k}", rows(3), today=TODAY, poll_interval=0.05))

    def spin() -> None:
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            time.sleep(0.001)

    threads = [threading.Thread(target=push, args=(k,)) for k in range(2)]
    spinner = threading.Thread(target=spin)
    spinner.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done.set()
    spinner.join()
    assert len(reports) == 2 and all(r.is_complete for r in reports)
    assert ticks > 10


def test_asyncio_client(sandbox: str) -> None:
    async def main() -> list[Any]:
        client = AsyncClient("test-key", base_url=sandbox)
        made = await asyncio.gather(*(client.create_company({"name": f"Async {k}"}) for k in range(3)))
        return [c.name for c in made]

    assert sorted(asyncio.run(main())) == ["Async 0", "Async 1", "Async 2"]


def test_every_other_operation(client: bankfeeds.Client, sandbox: str, slow_sandbox: str) -> None:
    company_id, connection_id = linked_account(client, sandbox, "acc-ops")
    replaced = client.replace_company(company_id, {"name": "Replaced"})
    assert replaced.name == "Replaced"
    mappings = client.get_account_mappings(company_id, connection_id)
    assert [m.source_account_id for m in mappings] == ["acc-ops"]
    batch = client.create_source_accounts(
        company_id,
        connection_id,
        [{"id": f"b{k}", "account_name": "B", "account_type": "Credit", "account_number": "1", "sort_code": "123456",
          "currency": "GBP", "balance": Decimal("0")} for k in range(2)],
    )
    assert batch.status == 201 and len(batch.items) == 2
    mapped = client.create_account_mapping(company_id, connection_id, {"source_account_id": "b0", "target_account_id": "new-target"})
    assert mapped.status in ("Success", "Failed")
    updated = client.update_source_account(company_id, connection_id, "b1", {"id": "b1", "account_name": "Renamed"})
    assert updated.account_name == "Renamed"
    client.delete_source_account(company_id, connection_id, "b1")
    assert client.find_source_account(company_id, connection_id, "b1") is None
    otp = client.generate_otp(company_id, connection_id)
    assert isinstance(otp.expiry, dt.datetime) and otp.expiry.tzinfo is not None
    assert client.generate_credentials(company_id, connection_id)
    client.delete_credentials(company_id, connection_id)
    info = client.get_company_information(company_id, connection_id)
    assert isinstance(info, bankfeeds.models.CompanyInformation)
    # The rest of the spec's operations, which the sandbox serves too.
    token = client.get_company_access_token(company_id)
    assert (token.token_type, token.expires_in) == ("Bearer", 86400) and token.access_token
    banks = client.list_bank_accounts(company_id, connection_id)
    assert [b.account_name for b in banks][:3] == ["Business Current Account", "Business Savings Account", "Company Credit Card"]
    model = client.get_create_bank_account_model(company_id, connection_id)
    assert model.properties is not None and model.properties["accountName"].required is True
    created = client.create_bank_account(company_id, connection_id, {"account_name": "Feed", "currency": "GBP"})
    assert created.status == "Pending" and created.data_type == "bankAccounts"
    done = client.wait_for_push_operation(company_id, created.push_operation_key, poll_interval=0.02)
    assert done.status == "Success"
    tx_model = client.get_create_bank_transactions_model(company_id, connection_id, "acc-ops")
    assert tx_model.properties is not None and (tx_model.properties["transactions"].properties or {})["balance"].required is True
    # Managed syncs, on a sandbox where a sync runs a minute: it can be seen running.
    slow = bankfeeds.Client("test-key", base_url=slow_sandbox, request_timeout=10)
    slow_company, slow_connection = linked_account(slow, slow_sandbox, "acc-sync")
    assert slow.latest_sync_status(slow_company, slow_connection, "acc-sync") is None
    started = slow.run_sync(slow_company, slow_connection, "acc-sync")
    sync = slow.get_sync_status(slow_company, slow_connection, "acc-sync", started.sync_id)
    assert sync.status == "Started" and sync.source_account_id == "acc-sync"
    with pytest.raises(bankfeeds.ApiError) as busy:
        slow.run_sync(slow_company, slow_connection, "acc-sync")
    assert busy.value.status == 409
    with pytest.raises(bankfeeds.ApiError) as unknown:
        slow.get_sync_status(slow_company, slow_connection, "acc-sync", "00000000-0000-0000-0000-000000000000")
    assert unknown.value.status == 404
    client.delete_connection(company_id, connection_id)
    with pytest.raises(bankfeeds.ApiError) as gone:
        client.get_connection(company_id, connection_id)
    assert gone.value.status == 404


# ---- callbacks ---------------------------------------------------------------------------------


def stored_ids(sandbox: str, company_id: str, connection_id: str, account_id: str) -> list[str]:
    url = f"{sandbox}/sandbox/companies/{company_id}/connections/{connection_id}/bankFeedAccounts/{account_id}/transactions"
    return [t["id"] for t in get(url)]


class Stop(Exception):
    """What a test's callback raises."""


@pytest.mark.parametrize("raised", [Stop("no more"), KeyboardInterrupt(), SystemExit(3)], ids=["exception", "ctrl-c", "exit"])
def test_what_a_callback_raises_stops_the_push_and_is_raised(client: bankfeeds.Client, sandbox: str, raised: BaseException) -> None:
    account = f"acc-raise-{type(raised).__name__}"
    company_id, connection_id = linked_account(client, sandbox, account)
    stages: list[tuple[str, int]] = []

    def on_progress(p: dict[str, Any]) -> None:
        stages.append((p["stage"], p["batches_done"]))
        if p["stage"] == "sending" and p["batches_done"] == 1:
            raise raised

    with pytest.raises(type(raised)) as caught:
        client.push_transactions(
            company_id, connection_id, account, rows(5), today=TODAY, batch_size=2, poll_interval=0.02, on_progress=on_progress
        )
    assert caught.value is raised
    # The first batch went and finished; the second was never sent, nor anything after it.
    assert stages[-1] == ("sending", 1)
    assert stored_ids(sandbox, company_id, connection_id, account) == ["t0", "t1"]
    assert len(list(client.list_push_operations(company_id))) == 1


def test_a_callback_that_raises_before_anything_is_sent(client: bankfeeds.Client, sandbox: str) -> None:
    company_id, connection_id = linked_account(client, sandbox, "acc-raise-first")

    def on_progress(p: dict[str, Any]) -> None:
        raise Stop(p["stage"])

    with pytest.raises(Stop, match="checking"):
        client.push_transactions(company_id, connection_id, "acc-raise-first", rows(3), today=TODAY, on_progress=on_progress)
    assert list(client.list_push_operations(company_id)) == []


def test_calling_the_client_inside_a_callback_is_a_reentrancy_error(client: bankfeeds.Client, sandbox: str) -> None:
    company_id, connection_id = linked_account(client, sandbox, "acc-reenter")
    inner: list[BaseException] = []

    def on_progress(p: dict[str, Any]) -> None:
        if p["stage"] != "sending":
            return
        for call in (
            lambda: client.get_company(company_id),
            lambda: bankfeeds.Client("k", base_url=sandbox).get_company(company_id),
            lambda: client.push_transactions(company_id, connection_id, "acc-reenter", rows(1), today=TODAY),
        ):
            try:
                call()
            except BaseException as e:  # noqa: BLE001 - the test records whatever it is
                inner.append(e)

    report = client.push_transactions(
        company_id, connection_id, "acc-reenter", rows(3), today=TODAY, poll_interval=0.02, on_progress=on_progress
    )
    assert report.is_complete and report.pushed == 3
    assert [type(e) for e in inner] == [bankfeeds.ReentrancyError] * 3
    assert isinstance(inner[0], bankfeeds.BankFeedsError) and isinstance(inner[0], RuntimeError)
    assert "inside a callback" in str(inner[0])

    # Not caught, it ends the outer push like any other exception.
    def calls_the_client(p: dict[str, Any]) -> None:
        list(client.list_companies())

    with pytest.raises(bankfeeds.ReentrancyError):
        client.push_transactions(company_id, connection_id, "acc-reenter", rows(4), today=TODAY, on_progress=calls_the_client)


def test_a_client_made_and_dropped_inside_a_callback_is_harmless(client: bankfeeds.Client, sandbox: str) -> None:
    company_id, connection_id = linked_account(client, sandbox, "acc-new-client")
    unraisable: list[Any] = []
    made: list[str] = []

    def on_progress(p: dict[str, Any]) -> None:
        other = bankfeeds.Client("k", base_url=sandbox)
        made.append(other.base_url)
        del other  # its runtime is shut down here, inside the outer call's

    previous = sys.unraisablehook
    sys.unraisablehook = unraisable.append
    try:
        report = client.push_transactions(
            company_id, connection_id, "acc-new-client", rows(2), today=TODAY, poll_interval=0.02, on_progress=on_progress
        )
    finally:
        sys.unraisablehook = previous
    assert report.is_complete
    assert made and unraisable == []
    # The client still works afterwards.
    assert client.get_company(company_id).id == company_id


@pytest.mark.parametrize("callback", [5, "print", object()], ids=["int", "str", "object"])
def test_a_callback_that_is_not_callable_is_a_type_error(client: bankfeeds.Client, sandbox: str, callback: Any) -> None:
    company_id, connection_id = linked_account(client, sandbox, f"acc-not-callable-{type(callback).__name__}")
    with pytest.raises(TypeError, match="on_progress must be callable"):
        client.push_transactions(company_id, connection_id, "acc-x", rows(1), today=TODAY, on_progress=callback)
    assert list(client.list_push_operations(company_id)) == []
