"""The Python client's credentials never follow a redirect to another origin.

Two local servers: the API answers every request with a redirect to the other one, which records
whatever reaches it. Neither the API key nor a custom header nor a push's body may arrive there.
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest

import bankfeeds

TOKEN = "tok-SECRET-5521"


class _Recorder(http.server.BaseHTTPRequestHandler):
    seen: list[str] = []

    def _any(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace")
        type(self).seen.append(f"{self.command} {self.path}\n{self.headers}\n{body}")
        payload = b'{"id":"c1","name":"Elsewhere","redirect":"r"}'
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = _any

    def log_message(self, *args: Any) -> None:
        pass


def _redirecting_to(target: str, status: int) -> type[http.server.BaseHTTPRequestHandler]:
    class Redirect(http.server.BaseHTTPRequestHandler):
        def _any(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            self.rfile.read(length)
            self.send_response(status)
            self.send_header("location", target + self.path)
            self.send_header("content-length", "0")
            self.end_headers()

        do_GET = do_POST = _any

        def log_message(self, *args: Any) -> None:
            pass

    return Redirect


def _serve(handler: type[http.server.BaseHTTPRequestHandler]) -> tuple[str, http.server.ThreadingHTTPServer]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}", server


@pytest.fixture
def elsewhere() -> Iterator[str]:
    _Recorder.seen = []
    url, server = _serve(_Recorder)
    yield url
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("status", [307, 308, 302])
@pytest.mark.parametrize(
    "auth",
    [{"api_key": TOKEN}, {"auth_header": ("X-Api-Key", TOKEN)}, {"auth_header": ("Authorization", f"Bearer {TOKEN}")}],
    ids=["api_key", "custom_header", "bearer"],
)
def test_no_credential_or_body_follows_a_redirect_to_another_origin(
    elsewhere: str, status: int, auth: dict[str, Any]
) -> None:
    api_url, api = _serve(_redirecting_to(elsewhere, status))
    try:
        client = bankfeeds.Client(base_url=api_url, retries=False, **auth)
        body = bankfeeds.push_bodies(
            "acc-1", [{"id": "tx-BODY-MARKER", "date": "2024-05-01", "amount": Decimal("-1.00")}]
        )[0]
        calls: list[Callable[[], object]] = [
            lambda: client.get_company("c1"),
            lambda: client.create_company({"name": "Toft"}),
            lambda: client.push_batch("c1", "k1", body),
        ]
        for call in calls:
            with pytest.raises(bankfeeds.ApiError) as caught:
                call()
            assert caught.value.status == status
            assert "another origin" in str(caught.value) and elsewhere in str(caught.value)
            assert TOKEN not in str(caught.value)
            assert not caught.value.retryable
        assert _Recorder.seen == []
    finally:
        api.shutdown()
        api.server_close()


class _Long(http.server.BaseHTTPRequestHandler):
    """Answers a company whose description is 10,000 characters long."""

    def do_GET(self) -> None:
        payload = ('{"id":"c1","name":"Long","redirect":"r","description":"' + "x" * 10_000 + '"}').encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: Any) -> None:
        pass


def test_an_answer_beyond_the_size_limit_names_the_python_argument() -> None:
    url, server = _serve(_Long)
    try:
        assert len(bankfeeds.Client("k", base_url=url).get_company("c1").description or "") == 10_000
        small = bankfeeds.Client("k", base_url=url, retries=False, max_response_bytes=1000)
        with pytest.raises(bankfeeds.ApiError) as caught:
            small.get_company("c1")
        assert "limit of 1000 bytes (Client(max_response_bytes=...))" in str(caught.value)
        assert "ClientBuilder" not in str(caught.value)
        with pytest.raises(bankfeeds.ConfigurationError, match="max_response_bytes"):
            bankfeeds.Client("k", base_url=url, max_response_bytes=0)
    finally:
        server.shutdown()
        server.server_close()
