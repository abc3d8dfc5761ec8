"""The client's network options, rate-limit headers and the `bankfeeds` logger."""

from __future__ import annotations

import logging
import urllib.request
from pathlib import Path
from typing import Any

import pytest

import bankfeeds
from test_client import TODAY, linked_account, rows

KEY = "py-key-SECRET-91c2"


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def collected() -> Any:
    logger = logging.getLogger("bankfeeds")
    handler = Collect()
    level = logger.level
    logger.addHandler(handler)
    yield logger, handler
    logger.removeHandler(handler)
    logger.setLevel(level)


def sandbox_requests(sandbox: str) -> int:
    with urllib.request.urlopen(f"{sandbox}/sandbox/stats") as answer:
        import json

        return int(json.loads(answer.read())["requests"])


def test_a_push_is_logged_request_by_request_without_the_key(sandbox: str, collected: Any) -> None:
    logger, handler = collected
    rates: list[Any] = []
    client = bankfeeds.Client(KEY, base_url=sandbox, request_timeout=10, on_rate_limit=rates.append)
    company_id, connection_id = linked_account(client, sandbox, "acc-log")

    # Disabled (the default WARNING level): nothing at DEBUG or INFO reaches the handler.
    logger.setLevel(logging.WARNING)
    client.get_company(company_id)
    assert [r for r in handler.records if r.levelno < logging.WARNING] == []

    logger.setLevel(logging.DEBUG)
    before = sandbox_requests(sandbox)
    report = client.push_transactions(company_id, connection_id, "acc-log", rows(3), today=TODAY, poll_interval=0.02)
    assert report.is_complete, str(report)
    requests = sandbox_requests(sandbox) - before
    messages = [r.getMessage() for r in handler.records]
    text = "\n".join(messages)
    assert KEY not in text and "SECRET" not in text and "Basic " not in text
    answered = [r for r in handler.records if "answered" in r.getMessage()]
    assert len(answered) == requests, text
    assert all(r.levelno == logging.DEBUG and r.name == "bankfeeds" for r in answered)
    assert any('method="POST"' in m and "bankTransactions" in m and "status=200" in m for m in messages), text
    info = {r.getMessage().split(" ")[0] for r in handler.records if r.levelno == logging.INFO}
    assert {"push", "pushing", "batch"} <= info, info
    # Codat's rate-limit headers, as the sandbox sends them.
    assert len(rates) >= requests and rates[-1]["limit"] >= 1000
    assert rates[-1]["remaining"] < rates[-1]["limit"] and rates[-1]["reset"].endswith("T00:00:00Z")


def test_api_errors_carry_the_rate_limit_and_callbacks_that_raise_do_not_stop_calls(sandbox: str) -> None:
    def boom(_: Any) -> None:
        raise RuntimeError("dashboard down")

    client = bankfeeds.Client(KEY, base_url=sandbox, on_rate_limit=boom)
    with pytest.raises(bankfeeds.ApiError) as caught:
        client.get_company("no-such-company")
    assert caught.value.status == 404
    assert caught.value.rate_limit is not None and caught.value.rate_limit["limit"] >= 1000


def test_with_options_makes_a_copy_for_some_calls(sandbox: str) -> None:
    client = bankfeeds.Client(KEY, base_url=sandbox)
    once = client.with_options(request_timeout=5, retries=False)
    assert isinstance(once, bankfeeds.Client) and once.base_url == client.base_url
    assert once.create_company({"name": "Copy"}).name == "Copy"
    with pytest.raises(bankfeeds.ConfigurationError, match="request_timeout"):
        client.with_options(request_timeout=-1)


def test_bad_network_options_are_configuration_errors(tmp_path: Path) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"trust_store": "system"}, "webpki"),
        ({"ca_certs": "-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----\n"}, "add_ca"),
        ({"ca_certs": [b"not pem"]}, "add_ca"),
        ({"ca_certs": tmp_path / "missing.pem"}, "missing.pem"),
        ({"ca_certs": 7}, "ca_certs"),
        ({"client_cert": b"x"}, "client_key"),
        ({"client_cert": b"junk", "client_key": "-----BEGIN PRIVATE KEY-----\nSECRETKEY\n"}, "client_identity"),
        ({"proxy": "not a url"}, "proxy"),
        ({"proxy": "ftp://proxy:21"}, "proxy"),
    ]
    for kwargs, expected in cases:
        with pytest.raises(bankfeeds.ConfigurationError) as caught:
            bankfeeds.Client("k", **kwargs)
        assert expected in str(caught.value), (kwargs, str(caught.value))
        assert "SECRETKEY" not in str(caught.value)
    # Good ones build.
    bankfeeds.Client("k", proxy="http://user:pw@proxy.bank.example:3128", no_proxy="localhost", proxy_from_env=False)
    with pytest.raises(TypeError, match="on_rate_limit"):
        bankfeeds.Client("k", on_rate_limit=3)  # type: ignore[arg-type]
