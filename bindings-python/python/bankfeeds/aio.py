"""asyncio face of ``bankfeeds.Client``: every method as a coroutine.

The synchronous client already releases the GIL while it waits for Codat, so running its
methods in worker threads (``asyncio.to_thread``) lets an event loop run many calls and pushes at
once without blocking::

    from bankfeeds.aio import AsyncClient

    async def main() -> None:
        client = AsyncClient("api-key")
        company = await client.create_company({"name": "Acme"})
        report = await client.push_transactions(company.id, connection_id, account_id, rows)
        async for connection in await client.list_connections(company.id):
            print(connection.status)

Each await takes one thread of the loop's default executor while the call runs. Cancelling the
awaiting task (``asyncio.wait_for``, ``TaskGroup``, Ctrl-C under ``asyncio.run``) stops the call in
its thread too, within a twentieth of a second: nothing further is sent, and the cancellation
finishes once the thread has let go of the call.

Paged lists (``list_companies``, ``list_connections``, ``list_bank_accounts``,
``list_push_operations``) answer ``AsyncPages``: iterate them with ``async for``; each page is
fetched in a worker thread when iteration reaches it, and ``await pages.page(n)`` fetches one page
with its totals.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import threading
from typing import Any, AsyncIterator, Awaitable, Callable, Generic, TypeVar

from bankfeeds._bankfeeds import Client, Pages, _cancel
from bankfeeds.models import Page

__all__ = ["AsyncClient", "AsyncPages"]

_T = TypeVar("_T")


class AsyncPages(Generic[_T]):
    """``Pages`` for ``async for``: the next page is fetched in a worker thread, and only when
    iteration reaches it."""

    def __init__(self, pages: Pages[_T]) -> None:
        self.pages = pages

    def __aiter__(self) -> AsyncIterator[_T]:
        return self

    async def __anext__(self) -> _T:
        item: _T | None = await _in_thread(next, self.pages, None)
        if item is None:
            raise StopAsyncIteration
        return item

    @property
    def pages_fetched(self) -> int:
        """How many pages iteration has fetched so far."""
        return self.pages.pages_fetched

    async def page(self, number: int) -> Page[_T]:
        """One page (from 1) of the same list with its totals; iteration is not affected."""
        page: Page[_T] = await _in_thread(self.pages.page, number)
        return page

    def __repr__(self) -> str:
        return f"AsyncPages({self.pages!r})"


class AsyncClient:
    """Wraps a ``bankfeeds.Client`` (or builds one from the same arguments); every method of the
    client is available here as a coroutine function with the same signature."""

    def __init__(self, *args: Any, client: Client | None = None, **kwargs: Any) -> None:
        self.client: Client = client if client is not None else Client(*args, **kwargs)

    def with_options(self, **options: Any) -> "AsyncClient":
        """An ``AsyncClient`` over ``Client.with_options(**options)``: another request timeout or
        retry policy for the calls made through it, sharing the connections."""
        return AsyncClient(client=self.client.with_options(**options))

    def __getattr__(self, name: str) -> Callable[..., Awaitable[Any]]:
        method = getattr(self.client, name)
        if not callable(method):
            raise AttributeError(name)

        @functools.wraps(method)
        async def call(*args: Any, **kwargs: Any) -> Any:
            answer = await _in_thread(method, *args, **kwargs)
            return AsyncPages(answer) if isinstance(answer, Pages) else answer

        return call

    def __repr__(self) -> str:
        return f"AsyncClient({self.client!r})"


async def _in_thread(method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Runs a client method in the loop's default executor. The call sees ``stop`` through the
    ``_cancel`` context variable and checks it while it waits; when the awaiting task is
    cancelled, ``stop`` is set and the cancellation waits for the thread to let go."""
    stop = threading.Event()

    def run() -> Any:
        _cancel.set(stop)
        return method(*args, **kwargs)

    context = contextvars.copy_context()
    future = asyncio.get_running_loop().run_in_executor(None, functools.partial(context.run, run))
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        stop.set()
        with contextlib.suppress(BaseException):
            await future
        raise
