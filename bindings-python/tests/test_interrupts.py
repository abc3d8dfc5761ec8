"""A blocking client call can be stopped: Ctrl-C raises KeyboardInterrupt in the waiting thread
(during a request, between retries, while polling), and cancelling an ``bankfeeds.aio`` task stops
its call in the worker thread. The server here takes requests and never answers (or answers 503,
so the client keeps retrying); the client waits 60 seconds for an answer, so a call that is not
stopped would still be waiting long after these tests give up on it."""

from __future__ import annotations

import asyncio
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

import bankfeeds
from bankfeeds.aio import AsyncClient


class Server:
    """Accepts connections and reads requests; answers none (``status=None``) or each with the
    given status and JSON body. ``requests`` counts the requests read; ``closed`` counts
    connections the client closed."""

    def __init__(self, status: int | None, body: bytes = b"") -> None:
        self.status = status
        self.body = body
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.requests = 0
        self.closed = 0
        self.changed = threading.Condition()
        self.open: list[socket.socket] = []
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.open.append(conn)
            threading.Thread(target=self.handle, args=(conn,), daemon=True).start()

    def handle(self, conn: socket.socket) -> None:
        data = b""
        while True:
            try:
                chunk = conn.recv(65536)
            except OSError:
                chunk = b""
            if not chunk:
                with self.changed:
                    self.closed += 1
                    self.changed.notify_all()
                return
            data += chunk
            while b"\r\n\r\n" in data:
                head, _, data = data.partition(b"\r\n\r\n")
                length = next(
                    (int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")),
                    0,
                )
                data = data[length:]
                with self.changed:
                    self.requests += 1
                    self.changed.notify_all()
                if self.status is not None:
                    answer = f"HTTP/1.1 {self.status} X\r\nContent-Type: application/json\r\nContent-Length: {len(self.body)}\r\n\r\n"
                    conn.sendall(answer.encode() + self.body)

    def wait_for(self, what: str, n: int, timeout: float = 30) -> None:
        with self.changed:
            assert self.changed.wait_for(lambda: getattr(self, what) >= n, timeout), f"{what} never reached {n}"

    def close(self) -> None:
        self.sock.close()
        for conn in self.open:
            conn.close()


@pytest.fixture
def silent() -> Iterator[Server]:
    server = Server(None)
    yield server
    server.close()


@pytest.fixture
def busy() -> Iterator[Server]:
    server = Server(503)
    yield server
    server.close()


@pytest.fixture
def pending() -> Iterator[Server]:
    """Every request answers a push operation that stays pending."""
    operation = b'{"companyId": "c", "dataConnectionKey": "k", "pushOperationKey": "op", "dataType": "bankTransactions", "status": "Pending", "statusCode": 202, "requestedOnUtc": "2024-06-01T00:00:00Z", "timeoutInMinutes": 60}'
    server = Server(200, operation)
    yield server
    server.close()


# Run in a subprocess so that SIGINT reaches a main thread that is waiting in the client.
SCRIPT = """
import asyncio, sys
import bankfeeds
from bankfeeds.aio import AsyncClient

mode, url = sys.argv[1], sys.argv[2]
rows = [{"id": "t1", "date": "2024-05-01", "amount": "1.00", "balance": "1.00"}]
try:
    if mode == "aio":
        async def main():
            client = AsyncClient("k", base_url=url, request_timeout=60)
            await client.push_transactions("c", "k", "a", rows, today="2024-06-01")
        asyncio.run(main())
    else:
        client = bankfeeds.Client("k", base_url=url, request_timeout=60)
        if mode == "push":
            client.push_transactions("c", "k", "a", rows, today="2024-06-01")
        elif mode == "wait":
            client.wait_for_push_operation("c", "op", poll_interval=0.05)
        elif mode == "list":
            list(client.list_companies())
        else:
            client.create_company({"name": "x"})
except KeyboardInterrupt:
    print("KeyboardInterrupt", flush=True)
    sys.exit(3)
print("finished", flush=True)
"""


def interrupt(server: Server, mode: str, requests: int) -> tuple[int, str, str]:
    """Starts the script, waits until the server has read `requests` requests from it (so it is
    inside the call), sends SIGINT and returns its exit code and output."""
    proc = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, mode, server.url], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        server.wait_for("requests", requests)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return proc.returncode, out, err


@pytest.mark.parametrize("mode", ["push", "request"])
def test_ctrl_c_stops_a_call_waiting_for_an_answer(silent: Server, mode: str) -> None:
    code, out, err = interrupt(silent, mode, 1)
    assert (code, out.strip()) == (3, "KeyboardInterrupt"), err


def test_ctrl_c_stops_a_call_between_retries(busy: Server) -> None:
    code, out, err = interrupt(busy, "list", 3)
    assert (code, out.strip()) == (3, "KeyboardInterrupt"), err


def test_ctrl_c_stops_polling_a_push_operation(pending: Server) -> None:
    # The operation stays pending; after two polls the client is waiting for the third.
    code, out, err = interrupt(pending, "wait", 2)
    assert (code, out.strip()) == (3, "KeyboardInterrupt"), err


def test_ctrl_c_under_asyncio_run_cancels_the_call_in_its_thread(silent: Server) -> None:
    code, out, err = interrupt(silent, "aio", 1)
    assert (code, out.strip()) == (3, "KeyboardInterrupt"), err


def test_cancelling_an_aio_call_stops_it_in_its_worker_thread(silent: Server) -> None:
    async def main() -> None:
        client = AsyncClient("k", base_url=silent.url, request_timeout=60)
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(client.create_company({"name": "x"}), timeout=0.5)
        # The abandoned call has let go of its connection: it is not waiting for the answer.
        await asyncio.to_thread(silent.wait_for, "closed", 1, 10)

    asyncio.run(main())
    assert silent.requests == 1


def test_an_aio_call_cancelled_before_its_thread_starts_sends_nothing(silent: Server) -> None:
    async def main() -> None:
        asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(max_workers=1))
        client = AsyncClient("k", base_url=silent.url, request_timeout=60)
        first = asyncio.ensure_future(client.create_company({"name": "first"}))
        while silent.requests < 1:
            await asyncio.sleep(0.01)
        # The only worker thread is busy: the second call waits for it.
        second = asyncio.ensure_future(client.create_company({"name": "second"}))
        await asyncio.sleep(0.1)
        second.cancel()
        first.cancel()
        results = await asyncio.gather(first, second, return_exceptions=True)
        assert [type(r) for r in results] == [asyncio.CancelledError] * 2

    asyncio.run(main())
    time.sleep(0.3)  # a request sent by the second call would have arrived by now
    assert silent.requests == 1


def test_an_aio_call_that_is_not_cancelled_still_answers(silent: Server) -> None:
    async def main() -> Any:
        client = AsyncClient("k", base_url=silent.url, request_timeout=0.3, retries=False)
        return await client.create_company({"name": "x"})

    with pytest.raises(bankfeeds.TransportError):
        asyncio.run(main())
