"""The client's typed models (`bankfeeds.models`) and lazy `Pages`, against the sandbox (answers
checked against Codat's spec when it is found): Python types of every answer, pages fetched only
when iteration reaches them, exact `to_dict` round trips, secrets kept out of `repr`, and clear
errors naming the field for values that cannot be read."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import urllib.request
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from conftest import run_sandbox

import bankfeeds
from bankfeeds import models as m
from bankfeeds.aio import AsyncClient

UTC = dt.timezone.utc


def post(url: str, body: dict[str, Any] | None = None) -> None:
    data = json.dumps(body or {}).encode()
    req = urllib.request.Request(url, data=data, method="POST", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req):
        pass


def requests_seen(sandbox: str) -> int:
    with urllib.request.urlopen(f"{sandbox}/sandbox/stats") as answer:
        return int(json.loads(answer.read())["requests"])


@pytest.fixture(scope="module")
def own_sandbox() -> Iterator[str]:
    """A sandbox of this module's own, so the companies it lists are the ones made here."""
    yield from run_sandbox()


@pytest.fixture(scope="module")
def client(own_sandbox: str) -> bankfeeds.Client:
    return bankfeeds.Client("test-key", base_url=own_sandbox, request_timeout=10)


def aware_utc(value: object) -> bool:
    return isinstance(value, dt.datetime) and value.utcoffset() == dt.timedelta(0)


def test_every_answer_is_a_typed_model(client: bankfeeds.Client, own_sandbox: str) -> None:
    company = client.create_company(m.CompanyRequest(name="Typed Ltd", description="d", tags={"region": "uk"}))
    assert isinstance(company, m.Company) and company.name == "Typed Ltd" and company.tags == {"region": "uk"}
    assert aware_utc(company.created)
    assert client.get_company(company.id) == company
    assert client.update_company(company.id, m.CompanyUpdate(description="e")).description == "e"
    connection = client.create_connection(company.id, "gbol")
    assert isinstance(connection, m.Connection)
    assert connection.status is m.ConnectionStatus.PENDING_AUTH and str(connection.status) == "PendingAuth"
    assert isinstance(connection.source_type, m.SourceType) and aware_utc(connection.created)
    post(f"{own_sandbox}/sandbox/companies/{company.id}/connections/{connection.id}/link")
    assert client.get_connection(company.id, connection.id).status is m.ConnectionStatus.LINKED

    # A model and a dict are both bodies, and give the same account.
    account = m.SourceAccount(
        id="acc-m", account_name="Current", account_type="Credit", account_number="12345678",
        sort_code="123456", currency="GBP", balance=Decimal("1234.56"),
    )
    created = client.create_source_account(company.id, connection.id, account)
    assert isinstance(created, m.SourceAccount) and created.status is m.SourceAccountStatus.PENDING
    assert isinstance(created.balance, Decimal) and str(created.balance) == "1234.56"
    from_dict = client.create_source_account(company.id, connection.id, {**account.to_dict(), "id": "acc-d"})
    assert from_dict.balance == created.balance and from_dict.account_name == "Current"
    batch = client.create_source_accounts(
        company.id, connection.id, [m.SourceAccount.from_dict({**account.to_dict(), "id": "acc-b"})]
    )
    assert isinstance(batch, m.SourceAccountBatch) and batch.status == 201
    assert [i.source_account_id for i in batch.items] == ["acc-b"]
    result = batch.items[0].result
    assert result is not None and result.status_code == 201 and result.account is not None
    assert result.account.balance == Decimal("1234.56") and isinstance(result.account.balance, Decimal)
    client.delete_source_account(company.id, connection.id, "acc-b")
    listed = client.list_source_accounts(company.id, connection.id)
    assert [a.id for a in listed] == ["acc-m", "acc-d"] and all(isinstance(a, m.SourceAccount) for a in listed)

    mappings = client.get_account_mappings(company.id, connection.id)
    assert all(isinstance(x, m.AccountMapping) for x in mappings)
    assert {x.source_account_id for x in mappings} == {"acc-m", "acc-d"}
    first = next(x for x in mappings if x.source_account_id == "acc-m")
    assert isinstance(first.source_balance, Decimal) and first.source_balance == Decimal("1234.56")
    options = first.target_account_options or ()
    assert options and all(isinstance(o, m.TargetAccountOption) for o in options)
    assert all(o.balance is None or isinstance(o.balance, Decimal) for o in options)
    mapped = client.create_account_mapping(
        company.id, connection.id,
        m.AccountMappingRequest(source_account_id="acc-m", target_account_id=options[0].id,
                                feed_start_date=dt.datetime(2024, 5, 1, tzinfo=UTC)),
    )
    assert isinstance(mapped, m.AccountMappingResult)
    assert (mapped.source_account_id, mapped.status) == ("acc-m", "connecting")
    post(f"{own_sandbox}/sandbox/companies/{company.id}/connections/{connection.id}/bankFeedAccounts/acc-d/map",
         {"feedStartDate": "2024-05-01"})
    found = client.find_source_account(company.id, connection.id, "acc-d")
    assert found is not None and found.status is m.SourceAccountStatus.CONNECTED
    assert found.feed_start_date == dt.datetime(2024, 5, 1, tzinfo=UTC) and aware_utc(found.feed_start_date)

    banks = list(client.list_bank_accounts(company.id, connection.id))
    assert banks and all(isinstance(b, m.BankAccount) for b in banks)
    assert any(isinstance(b.balance, Decimal) for b in banks)
    assert all(b.account_type is None or isinstance(b.account_type, m.BankAccountType) for b in banks)
    info = client.get_company_information(company.id, connection.id)
    assert isinstance(info, m.CompanyInformation)
    otp = client.generate_otp(company.id, connection.id)
    assert isinstance(otp, m.Otp) and aware_utc(otp.expiry) and otp.otp
    assert isinstance(client.generate_credentials(company.id, connection.id), m.BankAccountCredentials)
    token = client.get_company_access_token(company.id)
    assert isinstance(token, m.CompanyAccessToken) and isinstance(token.expires_in, int)
    option = client.get_create_bank_account_model(company.id, connection.id)
    assert isinstance(option, m.PushOption) and option.properties is not None
    assert isinstance(option.properties["accountName"], m.PushOptionProperty)

    body = bankfeeds.push_bodies("acc-d", [
        {"id": "t1", "date": "2024-05-02", "amount": Decimal("10.50"), "balance": Decimal("1245.06"), "description": "x"},
    ])[0]
    pending = client.create_bank_transactions(company.id, connection.id, body)
    assert isinstance(pending, m.PushOperation) and pending.status is m.PushOperationStatus.PENDING
    assert aware_utc(pending.requested_on_utc)
    done = client.wait_for_push_operation(company.id, pending.push_operation_key, poll_interval=0.02)
    assert done.status is m.PushOperationStatus.SUCCESS and aware_utc(done.completed_on_utc)
    operations = list(client.list_push_operations(company.id))
    assert [o.push_operation_key for o in operations] == [pending.push_operation_key]
    assert isinstance(operations[0], m.PushOperation)


def test_pages_are_fetched_only_when_iteration_reaches_them(client: bankfeeds.Client, own_sandbox: str) -> None:
    made = [client.create_company({"name": f"Paged {k}", "tags": {"batch": "paged"}}) for k in range(5)]
    # Counting requests costs the stats request itself (if the sandbox counts it): measure that.
    idle = requests_seen(own_sandbox)
    overhead = requests_seen(own_sandbox) - idle
    before = requests_seen(own_sandbox)
    pages = client.list_companies(page_size=2, query="name~Paged")
    assert requests_seen(own_sandbox) - before == overhead, "listing must not fetch before iteration"
    assert pages.pages_fetched == 0
    before = requests_seen(own_sandbox)
    first = next(pages)
    assert isinstance(first, m.Company) and first.id == made[0].id
    assert pages.pages_fetched == 1 and requests_seen(own_sandbox) - before == 1 + overhead
    assert next(pages).id == made[1].id
    assert pages.pages_fetched == 1, "the second item is on the page already fetched"
    assert next(pages).id == made[2].id
    assert pages.pages_fetched == 2
    rest = list(pages)
    assert [c.id for c in rest] == [c.id for c in made[3:]]
    assert pages.pages_fetched == 3
    assert list(pages) == []

    # One page with its totals, through the same query.
    page = client.list_companies(page_size=2, query="name~Paged").page(2)
    assert isinstance(page, m.Page) and (page.page_number, page.page_size, page.total_results) == (2, 2, 5)
    assert [c.id for c in page.results] == [c.id for c in made[2:4]]
    assert client.list_companies(page_size=2, query="name~Paged").page(9).results == ()
    # order_by reaches the server, across pages.
    backwards = client.list_companies(page_size=2, query="name~Paged", order_by="-name")
    assert [c.name for c in backwards] == [f"Paged {k}" for k in (4, 3, 2, 1, 0)]


def test_async_pages(own_sandbox: str) -> None:
    async def main() -> tuple[list[str], int]:
        client = AsyncClient("test-key", base_url=own_sandbox)
        await client.create_company({"name": "Async paged 1"})
        await client.create_company({"name": "Async paged 2"})
        pages = await client.list_companies(page_size=1, query="name~Async paged")
        names = [c.name async for c in pages]
        return names, pages.pages_fetched

    names, fetched = asyncio.run(main())
    assert names == ["Async paged 1", "Async paged 2"] and fetched == 2


WIRE_COMPANY = """{
  "id": "c1", "name": "Acme", "redirect": "https://link/c1", "created": "2022-10-23",
  "lastSync": "2021-11-15T01:00:00-05:00", "products": ["bank-feeds"], "somethingNew": {"x": 1.50},
  "dataConnections": [{
    "id": "k1", "integrationId": "i", "sourceId": "s", "sourceType": "Accounting", "platformName": "Xero",
    "linkUrl": "https://link/secret-otp", "status": "Suspended", "created": "2021-11-15T06:00:00.1234567Z"
  }]
}"""

WIRE_ACCOUNT = """{
  "id": "a1", "accountName": "n", "accountType": "checking", "accountNumber": "1", "currency": "GBP",
  "balance": 1234.5600, "accountInfo": {"availableBalance": -0.000000000000000000001, "accountOpenDate": "2021-11-15T01:00:00"},
  "routingInfo": {"bankCode": "123", "type": "sortcode"}, "status": "connected"
}"""


def test_wire_json_round_trips_exactly() -> None:
    cases: list[tuple[type[m.Model], str]] = [(m.Company, WIRE_COMPANY), (m.SourceAccount, WIRE_ACCOUNT)]
    for model, text in cases:
        wire = json.loads(text, parse_float=Decimal)
        parsed = model.from_dict(wire)
        back = parsed.to_dict()
        assert back == wire
        # Digit for digit, not merely equal: the same JSON text.
        assert json.dumps(back, default=str, sort_keys=True) == json.dumps(wire, default=str, sort_keys=True)
        assert model.from_dict(back) == parsed

    company = m.Company.from_dict(json.loads(WIRE_COMPANY, parse_float=Decimal))
    # Date-times: an offset applied, none meaning UTC, a plain date its midnight.
    assert company.created == dt.datetime(2022, 10, 23, tzinfo=UTC)
    assert company.last_sync == dt.datetime(2021, 11, 15, 6, 0, tzinfo=UTC)
    assert company.extra == {"somethingNew": {"x": Decimal("1.50")}}
    connection = (company.data_connections or ())[0]
    assert connection.created == dt.datetime(2021, 11, 15, 6, 0, 0, 123456, tzinfo=UTC)
    # A status Codat does not list (yet) stays readable.
    assert connection.status == "Suspended" and connection.status.value == "Suspended"
    assert isinstance(connection.status, m.ConnectionStatus) and connection.status is not m.ConnectionStatus.LINKED
    account = m.SourceAccount.from_dict(json.loads(WIRE_ACCOUNT, parse_float=Decimal))
    assert str(account.balance) == "1234.5600"
    assert account.account_info is not None and str(account.account_info.available_balance) == "-1E-21"
    assert account.account_info.account_open_date == dt.datetime(2021, 11, 15, 1, 0, tzinfo=UTC)


def test_models_made_in_python_round_trip() -> None:
    made = m.AccountMappingRequest(source_account_id="a", feed_start_date=dt.datetime(2024, 5, 1, 9, 30, 0, 250000, tzinfo=UTC))
    assert made.to_dict() == {"sourceAccountId": "a", "feedStartDate": "2024-05-01T09:30:00.25Z"}
    assert m.AccountMappingRequest.from_dict(made.to_dict()) == made
    bank = m.BankAccount(iban="GB00", balance=Decimal("-0.10"), account_type=m.BankAccountType.DEBIT)
    assert bank.to_dict() == {"iBan": "GB00", "balance": Decimal("-0.10"), "accountType": "Debit"}
    assert m.BankAccount.from_dict(bank.to_dict()) == bank


def test_answers_round_trip(client: bankfeeds.Client) -> None:
    company = client.create_company({"name": "Round trip"})
    assert m.Company.from_dict(company.to_dict()) == company
    connection = client.create_connection(company.id, "gbol")
    assert m.Connection.from_dict(connection.to_dict()) == connection
    assert m.CompanyAccessToken.from_dict(client.get_company_access_token(company.id).to_dict()).expires_in > 0


def test_repr_never_shows_secrets(client: bankfeeds.Client) -> None:
    company = client.create_company({"name": "Secretive"})
    token = client.get_company_access_token(company.id)
    assert token.access_token and token.access_token not in repr(token) and "access_token='***'" in repr(token)
    connection = client.create_connection(company.id, "gbol")
    assert connection.link_url not in repr(connection) and connection.id in repr(connection)
    assert connection.link_url not in repr(client.get_company(company.id))
    creds = m.BankAccountCredentials(username="u", password="hunter2")
    otp = m.Otp(otp="123456", expiry=dt.datetime(2024, 1, 1, tzinfo=UTC))
    assert "hunter2" not in repr(creds) and "'u'" in repr(creds)
    assert "123456" not in repr(otp)


def test_unreadable_values_are_errors_naming_the_field() -> None:
    wire = json.loads(WIRE_COMPANY, parse_float=Decimal)
    with pytest.raises(m.ModelError, match=r"Company\.created: 'yesterday' is not a date-time"):
        m.Company.from_dict({**wire, "created": "yesterday"})
    nested = {**wire, "dataConnections": [{**wire["dataConnections"][0], "created": "2021-13-01T00:00:00Z"}]}
    with pytest.raises(m.ModelError, match=r"Company\.dataConnections\[0\]\.created"):
        m.Company.from_dict(nested)
    with pytest.raises(m.ModelError, match=r"SourceAccount\.balance: an amount must be a Decimal, int or str, not float"):
        m.SourceAccount.from_dict({"id": "a", "balance": 0.1})
    with pytest.raises(m.ModelError, match=r"Company: missing redirect"):
        m.Company.from_dict({"id": "c", "name": "n"})
    with pytest.raises(m.ModelError, match=r"Otp\.expiry: .* naive datetime"):
        m.Otp.from_dict({"otp": "1", "expiry": dt.datetime(2024, 1, 1)})


def test_pages_that_stopped_at_an_error_never_end_as_if_complete() -> None:
    dead = bankfeeds.Client("k", base_url="http://127.0.0.1:9", retries=False, connect_timeout=2)
    pages = dead.list_companies(page_size=10)
    with pytest.raises(bankfeeds.TransportError):
        next(pages)
    with pytest.raises(RuntimeError, match="stopped before the last page"):
        list(pages)
