"""bankfeeds.webhooks: every delivery of core/tests/webhooks/vectors.json (signed by an independent
Standard Webhooks implementation) gets the verdict the file expects, through every shape of headers a
Python web framework hands over; and the sandbox's own webhooks, received here, verify."""

from __future__ import annotations

import datetime
import email.message
import http.server
import json
import threading
import time
import urllib.request
import wsgiref.headers
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Optional

import pytest

import bankfeeds
from bankfeeds import webhooks
from conftest import REPO, TODAY, run_sandbox

VECTORS = REPO / "core" / "tests" / "webhooks" / "vectors.json"
CASES: list[dict[str, Any]] = json.loads(VECTORS.read_text(encoding="utf-8"))["cases"]
VALID = next(c for c in CASES if c["name"] == "valid")


def summary(event: webhooks.WebhookEvent) -> dict[str, Any]:
    """The event in the vectors' terms."""
    out: dict[str, Any] = {
        "kind": event.kind,
        "messageId": event.message_id,
        "timestamp": event.timestamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "eventType": event.event_type,
        "companyId": event.company_id,
    }
    if isinstance(event, webhooks.PushOperationEvent):
        push: dict[str, Any] = {"key": event.operation_key, "status": event.status}
        if event.data_type is not None:
            push["dataType"] = event.data_type
        if event.connection_id is not None:
            push["connectionId"] = event.connection_id
        out["pushOperation"] = push
    return out


def verdict(case: dict[str, Any], headers: Any = None, body: Any = None) -> dict[str, Any]:
    try:
        event = webhooks.verify(
            case["secret"],
            case["headers"] if headers is None else headers,
            case["body"].encode("utf-8") if body is None else body,
            tolerance=case["tolerance"],
            now=case["now"],
        )
    except bankfeeds.WebhookError as e:
        return {"code": e.code}
    return summary(event)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_every_vector_gets_its_verdict(case: dict[str, Any]) -> None:
    assert verdict(case) == case["expect"], case["about"]


def test_the_vectors_cover_what_matters() -> None:
    names = {c["name"] for c in CASES}
    for needed in ("valid", "altered_body", "wrong_secret", "rotation_new_secret", "rotation_old_secret",
                   "stale", "future", "swapped_id", "missing_signature", "valid_webhook_prefix"):
        assert needed in names
    codes = {c["expect"]["code"] for c in CASES if "code" in c["expect"]}
    assert codes == set(webhooks.WEBHOOK_ERROR_CODES)


def test_refusals_carry_code_status_and_are_bankfeeds_errors() -> None:
    statuses = {"missing_header": 400, "invalid_timestamp": 400, "expired": 401, "invalid_signature": 401,
                "invalid_secret": 500, "invalid_body": 400}
    for case in CASES:
        code = case["expect"].get("code")
        if code is None:
            continue
        with pytest.raises(bankfeeds.WebhookError) as caught:
            webhooks.verify(case["secret"], case["headers"], case["body"], tolerance=case["tolerance"],
                            now=case["now"])
        e = caught.value
        assert isinstance(e, bankfeeds.BankFeedsError)
        assert (e.code, e.status, e.kind) == (code, statuses[code], "webhook")
        assert case["secret"] not in str(e)
    assert webhooks.WebhookError is bankfeeds.WebhookError


class GetOnly:
    """A case-insensitive lookup with nothing but `get`."""

    def __init__(self, headers: dict[str, str]) -> None:
        self._h = {k.lower(): v for k, v in headers.items()}

    def get(self, name: str, /) -> Optional[str]:
        return self._h.get(name.lower())


class StarletteLike:
    """Starlette's `Headers`: `items()` gives decoded pairs, a name may repeat."""

    def __init__(self, raw: list[tuple[bytes, bytes]]) -> None:
        self.raw = raw

    def items(self) -> list[tuple[str, str]]:
        return [(k.decode("latin-1"), v.decode("latin-1")) for k, v in self.raw]


def header_shapes(headers: dict[str, str]) -> dict[str, Any]:
    message = email.message.Message()  # what http.server hands a handler as self.headers
    for k, v in headers.items():
        message[k.title()] = v
    return {
        "dict": dict(headers),
        "dict, upper case": {k.upper(): v for k, v in headers.items()},
        "dict of bytes": {k.encode(): v.encode() for k, v in headers.items()},
        "dict of lists": {k: [v] for k, v in headers.items()},
        "http.server message": message,
        "wsgiref Headers": wsgiref.headers.Headers([(k.title(), v) for k, v in headers.items()]),
        "ASGI scope pairs": [(k.encode(), v.encode()) for k, v in headers.items()],
        "tuple pairs": tuple(headers.items()),
        "get only": GetOnly(headers),
        "Starlette-like": StarletteLike([(k.encode(), v.encode()) for k, v in headers.items()]),
    }


@pytest.mark.parametrize("shape", list(header_shapes(VALID["headers"])))
def test_headers_of_every_shape_read_alike(shape: str) -> None:
    headers = header_shapes(VALID["headers"])[shape]
    assert verdict(VALID, headers=headers) == VALID["expect"]
    prefixed = next(c for c in CASES if c["name"] == "valid_webhook_prefix")
    assert verdict(prefixed, headers=header_shapes(prefixed["headers"])[shape]) == prefixed["expect"]
    # Altered: the same shape refuses it.
    altered = next(c for c in CASES if c["name"] == "altered_body")
    assert verdict(altered, headers=header_shapes(altered["headers"])[shape]) == {"code": "invalid_signature"}


def test_a_signature_header_given_twice_is_read_as_both() -> None:
    # Two `svix-signature` lines (a rotation's two signatures split over two headers): the right one in
    # the second line still matches.
    rotation = next(c for c in CASES if c["name"] == "rotation_new_secret")
    first, second = rotation["headers"]["svix-signature"].split(" ")
    pairs = [(b"svix-id", rotation["headers"]["svix-id"].encode()),
             (b"svix-timestamp", rotation["headers"]["svix-timestamp"].encode()),
             (b"svix-signature", first.encode()), (b"Svix-Signature", second.encode())]
    assert verdict(rotation, headers=pairs) == rotation["expect"]
    assert verdict(rotation, headers=StarletteLike(pairs)) == rotation["expect"]


def test_bodies_bytes_text_and_what_is_refused() -> None:
    body = VALID["body"]
    for given in (body.encode(), bytearray(body.encode()), memoryview(body.encode()), body):
        assert verdict(VALID, body=given) == VALID["expect"]
    unicode = next(c for c in CASES if c["name"] == "valid_unicode_body")
    assert verdict(unicode, body=unicode["body"]) == unicode["expect"]
    # Parsed and serialised again: not what was signed.
    with pytest.raises(TypeError, match="raw body"):
        webhooks.verify(VALID["secret"], VALID["headers"], json.loads(body), now=VALID["now"])
    with pytest.raises(TypeError, match="headers"):
        webhooks.verify(VALID["secret"], None, body, now=VALID["now"])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="headers"):
        webhooks.verify(VALID["secret"], "svix-id: x", body, now=VALID["now"])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="pair"):
        webhooks.verify(VALID["secret"], [("svix-id",)], body, now=VALID["now"])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="secret"):
        webhooks.verify(12, VALID["headers"], body, now=VALID["now"])  # type: ignore[arg-type]
    # An unset environment variable: the receiver's misconfiguration, answered 500.
    with pytest.raises(bankfeeds.WebhookError) as caught:
        webhooks.verify(None, VALID["headers"], body, now=VALID["now"])
    assert (caught.value.code, caught.value.status) == ("invalid_secret", 500)


def test_tolerance_and_now() -> None:
    at = datetime.datetime.fromtimestamp(VALID["now"], datetime.timezone.utc)
    ok = VALID["expect"]
    assert verdict({**VALID, "now": at}) == ok
    assert verdict({**VALID, "now": at + datetime.timedelta(seconds=301)}) == {"code": "expired"}
    assert verdict({**VALID, "now": at + datetime.timedelta(seconds=301),
                    "tolerance": datetime.timedelta(minutes=6)}) == ok
    assert verdict({**VALID, "now": float(VALID["now"]) + 0.9}) == ok
    with pytest.raises(bankfeeds.ConfigurationError, match="aware"):
        verdict({**VALID, "now": at.replace(tzinfo=None)})
    with pytest.raises(bankfeeds.ConfigurationError):
        verdict({**VALID, "tolerance": -1})
    with pytest.raises(bankfeeds.ConfigurationError):
        verdict({**VALID, "now": 10**30})
    with pytest.raises(TypeError):
        verdict({**VALID, "tolerance": 1.5})
    with pytest.raises(TypeError):
        verdict({**VALID, "now": True})
    # A tolerance beyond any time accepts any time, without overflowing.
    assert verdict({**VALID, "now": 0, "tolerance": 10**40}) == ok
    # Against the clock, the vectors are long expired.
    with pytest.raises(bankfeeds.WebhookError, match="old"):
        webhooks.verify(VALID["secret"], VALID["headers"], VALID["body"])


def test_typed_events() -> None:
    def event(name: str) -> webhooks.WebhookEvent:
        case = next(c for c in CASES if c["name"] == name)
        return webhooks.verify(case["secret"], case["headers"], case["body"], tolerance=case["tolerance"],
                               now=case["now"])

    ok = event("valid")
    assert isinstance(ok, webhooks.PushOperationEvent)
    assert ok.succeeded and ok.status == "Success" and ok.operation_key == "push-001"
    assert ok.timestamp == datetime.datetime(2024, 6, 1, 12, tzinfo=datetime.timezone.utc)
    assert ok.body["payload"]["id"] == "push-001"
    assert json.loads(ok.raw_body) == json.loads(VALID["body"])
    timed_out = event("valid_write_timed_out")
    assert isinstance(timed_out, webhooks.PushOperationEvent)
    assert (timed_out.status, timed_out.succeeded) == ("TimedOut", False)
    legacy = event("valid_mixed_case_headers")
    assert isinstance(legacy, webhooks.PushOperationEvent)
    assert legacy.event_type == "Push Operation Status Changed"
    connected = event("valid_source_account_connected")
    assert isinstance(connected, webhooks.SourceAccountEvent)
    assert connected.connected and connected.account_id and connected.connection_id
    # Money in the body is never a float.
    balance = connected.body["payload"]["sourceAccount"].get("balance")
    assert balance is None or isinstance(balance, (Decimal, int))
    disconnected = event("valid_source_account_disconnected")
    assert isinstance(disconnected, webhooks.SourceAccountEvent) and not disconnected.connected
    reached = event("valid_rate_limit_reached")
    assert isinstance(reached, webhooks.RateLimitEvent) and reached.reached
    assert reached.quota_remaining == 0 and reached.daily_quota
    reset = event("valid_rate_limit_reset")
    assert isinstance(reset, webhooks.RateLimitEvent) and not reset.reached
    for name in ("valid_other_event", "valid_other_legacy_alert"):
        other = event(name)
        assert type(other) is webhooks.OtherEvent and other.kind == "other"
    with pytest.raises(AttributeError):
        ok.status = "Failed"  # type: ignore[misc]


# ---- the sandbox's webhooks, received here -------------------------------------------------------

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


class Receiver:
    """An http.server receiver on a free port: verifies each delivery with bankfeeds.webhooks.verify
    and answers 500 to the first one, 204 after."""

    def __init__(self) -> None:
        self.got: list[tuple[str, int, Optional[webhooks.WebhookEvent]]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                with receiver.lock:
                    first = not receiver.got
                    try:
                        event: Optional[webhooks.WebhookEvent] = webhooks.verify(SECRET, self.headers, body)
                        status = 500 if first else 204
                    except bankfeeds.WebhookError as e:
                        event, status = None, e.status
                    receiver.got.append((self.headers.get("svix-id", ""), status, event))
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/codat/webhooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def wait_for(self, what: str, done: Callable[[list[webhooks.WebhookEvent]], bool]) -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with self.lock:
                events = [e for _, _, e in self.got if e is not None]
            if done(events):
                return
            time.sleep(0.02)
        raise AssertionError(f"no {what} within 10 s; got {self.got}")

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def call(url: str, method: str, path: str, body: Any = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(f"{url}{path}", data=data, method=method,
                                 headers={"Authorization": "Basic c2FuZGJveA==", "Content-Type": "application/json"})
    with urllib.request.urlopen(req) as answer:
        text = answer.read()
    return json.loads(text) if text else None


def test_the_sandbox_sends_verified_webhooks_and_redelivers(receiver: Receiver) -> None:
    for url in run_sandbox("--webhook-url", receiver.url, "--webhook-secret", SECRET,
                           "--webhook-retry-ms", "40,40,40"):
        company = call(url, "POST", "/companies", {"name": "Toft Bakery"})["id"]
        conn = call(url, "POST", f"/companies/{company}/connections", {"platformKey": "gbol"})["id"]
        call(url, "POST", f"/sandbox/companies/{company}/connections/{conn}/link")
        call(url, "POST", f"/companies/{company}/connections/{conn}/connectionInfo/bankFeedAccounts",
             {"id": "acc-1", "accountName": "Business Current Account", "accountType": "Debit",
              "accountNumber": "12345670", "sortCode": "40-12-76", "currency": "GBP", "balance": 0})
        call(url, "POST", f"/sandbox/companies/{company}/connections/{conn}/bankFeedAccounts/acc-1/map",
             {"feedStartDate": "2024-01-01T00:00:00Z"})
        pushed = call(url, "POST",
                      f"/companies/{company}/connections/{conn}/push/bankAccounts/acc-1/bankTransactions",
                      {"accountId": "acc-1", "transactions": [
                          {"id": "t1", "date": "2024-05-10T09:00:00", "description": "Card payment",
                           "amount": -1.5, "balance": -1.5, "transactionType": "Debit"}]})
        key = pushed["pushOperationKey"]
        # The push is never polled: its end arrives by webhook.
        receiver.wait_for("push webhook and redelivery", lambda events: any(
            isinstance(e, webhooks.PushOperationEvent) for e in events) and sum(
            isinstance(e, webhooks.SourceAccountEvent) for e in events) == 2)
        with receiver.lock:
            got = list(receiver.got)
        # The first delivery (the account connected) was answered 500 and came again: same id. Messages
        # are delivered independently, so the push's may come in between.
        first_id, first_status, first_event = got[0]
        again = [(s, e) for i, s, e in got[1:] if i == first_id]
        assert len(again) == 1, got
        second_status, second_event = again[0]
        assert (first_status, second_status) == (500, 204)
        assert first_id.startswith("msg_")
        assert isinstance(first_event, webhooks.SourceAccountEvent)
        assert isinstance(second_event, webhooks.SourceAccountEvent)
        assert second_event.connected and second_event.account_id == "acc-1"
        assert second_event.company_id == company and second_event.connection_id == conn
        assert second_event.message_id == first_id
        # Every delivery verified.
        assert all(event is not None for _, _, event in got)
        push = [e for _, _, e in got if isinstance(e, webhooks.PushOperationEvent)]
        assert len(push) == 1
        assert (push[0].operation_key, push[0].status, push[0].event_type) == (
            key, "Success", "bankTransactions.write.successful")
        assert push[0].connection_id == conn and push[0].company_id == company
        # The sandbox records an attempt once the receiver's answer is back: wait for that.
        deadline = time.monotonic() + 10
        while True:
            with urllib.request.urlopen(f"{url}/sandbox/webhooks") as answer:
                log = json.loads(answer.read())
            if all(m["state"] != "pending" for m in log["messages"]) or time.monotonic() > deadline:
                break
            time.sleep(0.02)
        first_message = log["messages"][0]
        assert first_message["id"] == first_id and first_message["delivered"] is True
        assert [a.get("status") for a in first_message["attempts"]] == [500, 204]
        assert all(m["delivered"] for m in log["messages"])


def test_a_push_waits_for_the_sandboxs_webhooks_instead_of_polling(tmp_path: Any) -> None:
    """Waiting by webhook, end to end: the receiver feeds each verified delivery to a
    ``PushEvents``; the push's fallback read is an hour away, so only the webhooks can end its
    batches' waits before its 20 s wait does."""
    events = bankfeeds.PushEvents(fallback=3600)
    fed: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            event = webhooks.verify(SECRET, self.headers, body)
            if events.deliver_event(event):
                assert isinstance(event, webhooks.PushOperationEvent)
                fed.append(event.operation_key)
            self.send_response(204)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    hook = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    try:
        for url in run_sandbox("--webhook-url", hook, "--webhook-secret", SECRET, push_delay_ms=300):
            company = call(url, "POST", "/companies", {"name": "Toft Bakery"})["id"]
            conn = call(url, "POST", f"/companies/{company}/connections", {"platformKey": "gbol"})["id"]
            call(url, "POST", f"/sandbox/companies/{company}/connections/{conn}/link")
            call(url, "POST", f"/companies/{company}/connections/{conn}/connectionInfo/bankFeedAccounts",
                 {"id": "acc-1", "accountName": "Business Current Account", "accountType": "Debit",
                  "accountNumber": "12345670", "sortCode": "40-12-76", "currency": "GBP", "balance": 0})
            call(url, "POST", f"/sandbox/companies/{company}/connections/{conn}/bankFeedAccounts/acc-1/map",
                 {"feedStartDate": "2024-01-01T00:00:00Z"})
            client = bankfeeds.Client("test-key", base_url=url)
            balance = Decimal("0")
            rows = []
            for n in range(6):
                balance += Decimal("-1.25")
                rows.append({"id": f"t{n}", "date": datetime.datetime(2024, 5, 10, 9, n), "description": "Card payment",
                             "amount": Decimal("-1.25"), "balance": balance})
            report = client.push_transactions(company, conn, "acc-1", rows, batch_size=2, today=TODAY,
                                              ledger=tmp_path / "ledger.sqlite3", events=events, wait_timeout=20)
            assert report.is_complete, report.stopped
            assert report.pushed == 6 and len(report.operation_keys) == 3
            assert sorted(fed) == sorted(report.operation_keys)
            with pytest.raises(TypeError, match="bankfeeds.webhooks.verify"):
                events.deliver_event({"kind": "push_operation"})  # type: ignore[arg-type]
    finally:
        server.shutdown()
        server.server_close()
