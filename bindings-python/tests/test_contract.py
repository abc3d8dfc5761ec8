"""The contract every front end shares (``docs/contract.md``): the same file gives the same
findings as from the CLI and the other bindings, and every error carries a code from the core's
table of error kinds."""

from __future__ import annotations

import http.server
import inspect
import pathlib
import threading
from decimal import Decimal
from typing import Any

import pytest

import bankfeeds

CONTRACT = pathlib.Path(__file__).resolve().parents[2] / "tests" / "contract"
TODAY = "2024-06-01"


def _found(report: bankfeeds.Report) -> list[tuple[str, str | None]]:
    return [(i.code, i.id) for i in report]


def test_validate_takes_the_file_as_given_and_prepare_normalises_it_first() -> None:
    path = CONTRACT / "out-of-order-xero.csv"
    as_given = bankfeeds.validate_file(path, platform="xero", today=TODAY)
    assert _found(as_given) == [("not_chronological", "t1"), ("balance_mismatch", "t1")]
    prepared = bankfeeds.prepare_file(path, platform="xero", today=TODAY)
    assert _found(prepared.report) == [("balance_mismatch", "t3")]


def test_one_name_per_verb_with_the_old_names_as_aliases() -> None:
    assert bankfeeds.normalise is bankfeeds.prepare
    assert bankfeeds.normalise_file is bankfeeds.prepare_file
    assert bankfeeds.verify is bankfeeds.verify_balances
    rows = [{"id": "a", "date": "2024-05-01", "amount": "-1.50"}, {"id": "b", "date": "2024-05-02", "amount": "10"}]
    back = bankfeeds.fill_balances(rows, closing="20.00")
    assert (back.opening, back.closing) == (Decimal("11.50"), Decimal("20.00"))
    forward = bankfeeds.fill_balances(rows, opening="11.50")
    assert [t.balance for t in forward.transactions] == [t.balance for t in back.transactions]
    assert bankfeeds.verify_balances(forward.transactions, Decimal("11.50")).is_intact
    with pytest.raises(bankfeeds.ConfigurationError, match="not both"):
        bankfeeds.fill_balances(rows, opening="1", closing="2")
    with pytest.raises(bankfeeds.ConfigurationError):
        bankfeeds.fill_balances(rows)


def _classes() -> list[type[bankfeeds.BankFeedsError]]:
    return [
        c
        for c in vars(bankfeeds).values()
        if inspect.isclass(c) and issubclass(c, bankfeeds.BankFeedsError)
    ]


def test_every_error_class_has_a_code_from_the_core_table() -> None:
    table = bankfeeds.error_codes()
    assert len(table) == len(set(table)) and "validation" in table and "decode" in table
    for cls in _classes():
        if cls is bankfeeds.WebhookError or cls is bankfeeds.PushError:
            continue  # their code is per instance (the refusal's, the push error's kind)
        assert cls.code in table, cls
    assert bankfeeds.UnexpectedResponseError.code == "decode"
    assert issubclass(bankfeeds.UnexpectedResponseError, bankfeeds.ApiError)


def _code(call: Any) -> str:
    with pytest.raises(bankfeeds.BankFeedsError) as caught:
        call()
    assert caught.value.code in bankfeeds.error_codes()
    return caught.value.code


def test_raised_errors_carry_their_code() -> None:
    bad = [{"id": "a", "date": "2024-05-01", "amount": "x"}]
    assert _code(lambda: bankfeeds.fill_balances(bad, opening="0")) == "validation"
    with pytest.raises(bankfeeds.ValidationError) as caught:
        bankfeeds.verify_balances(bad)
    assert (caught.value.code, caught.value.report.errors[0].code) == ("validation", "invalid_number")
    assert _code(lambda: bankfeeds.validate([], platform="nowhere")) == "config"
    assert _code(lambda: bankfeeds._bankfeeds._panic_for_tests(False)) == "internal"
    assert _code(lambda: bankfeeds.webhooks.verify("not-a-secret", {}, b"{}")) == "invalid_secret"
    closed = bankfeeds.Client("k", base_url="http://127.0.0.1:9/", retries=False)
    assert _code(lambda: closed.get_company("c1")) == "transport"


class _NotTheApi(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        payload = b"<html>a proxy's page</html>"
        self.send_response(200)
        self.send_header("content-type", "text/html")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: Any) -> None:
        pass


def test_an_answer_that_is_not_the_api_is_an_unexpected_response_as_in_kotlin() -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _NotTheApi)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        client = bankfeeds.Client("k", base_url=f"http://127.0.0.1:{server.server_port}", retries=False)
        with pytest.raises(bankfeeds.UnexpectedResponseError) as caught:
            client.get_company("c1")
        assert (caught.value.code, caught.value.kind, caught.value.status) == ("decode", "decode", 200)
    finally:
        server.shutdown()
        server.server_close()
