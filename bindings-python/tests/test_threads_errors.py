"""The GIL is released while Rust works, and errors keep to one hierarchy (panics included)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any, Callable

import pyarrow as pa
import pytest

import bankfeeds
from conftest import TODAY

N = 200_000


def big_table() -> pa.Table:
    return pa.table(
        {
            "id": [f"t{i}" for i in range(N)],
            "date": pa.array([1_700_000_000_000_000 + i * 1_000_000 for i in range(N)], pa.timestamp("us")),
            "amount": pa.array([Decimal(i % 997) - 498 for i in range(N)], pa.decimal128(12, 2)),
            "description": ["Card payment"] * N,
        }
    )


def progress_during(call: Callable[[], object]) -> tuple[int, float]:
    """How many times a pure-Python thread ticks while `call` runs on this thread, and how long
    the call took. With the GIL held for the whole call the other thread cannot tick at all."""
    ticks: list[float] = []
    stop = threading.Event()

    def spin() -> None:
        while not stop.is_set():
            ticks.append(time.perf_counter())
            sum(range(50))

    spinner = threading.Thread(target=spin)
    spinner.start()
    time.sleep(0.05)
    t0 = time.perf_counter()
    call()
    t1 = time.perf_counter()
    stop.set()
    spinner.join()
    # Leave out the edges, where the spinner may run before the call takes the GIL.
    margin = (t1 - t0) * 0.1
    inside = sum(1 for t in ticks if t0 + margin < t < t1 - margin)
    return inside, t1 - t0


def test_gil_is_released_while_an_arrow_batch_is_validated() -> None:
    table = big_table()
    inside, took = progress_during(lambda: bankfeeds.validate(table, today=TODAY))
    assert took > 0.02, "the batch is too small to tell"
    assert inside > 20, f"the other thread ticked {inside} times in {took:.3f}s"


def test_gil_is_released_while_the_core_works_on_dicts() -> None:
    rows = big_table().to_pylist()
    inside, took = progress_during(lambda: bankfeeds.normalise(rows, today=TODAY))
    assert inside > 20, f"the other thread ticked {inside} times in {took:.3f}s"


def test_threads_validate_in_parallel_and_agree() -> None:
    table = big_table()
    tables = [table.slice(k * 50_000, 50_000) for k in range(4)]
    expected = [bankfeeds.validate(t, today=TODAY) for t in tables]
    with ThreadPoolExecutor(max_workers=4) as pool:
        got = list(pool.map(lambda t: bankfeeds.validate(t, today=TODAY), tables))
    assert got == expected


def test_every_error_is_a_bankfeeds_error() -> None:
    for cls in (
        bankfeeds.ValidationError,
        bankfeeds.SchemaError,
        bankfeeds.ConfigurationError,
        bankfeeds.ApiError,
        bankfeeds.TransportError,
        bankfeeds.InternalError,
    ):
        assert issubclass(cls, bankfeeds.BankFeedsError)
        assert issubclass(cls, Exception)
    assert issubclass(bankfeeds.ValidationError, ValueError)
    assert issubclass(bankfeeds.SchemaError, (bankfeeds.ValidationError, TypeError))
    assert issubclass(bankfeeds.ConfigurationError, ValueError)


@pytest.mark.parametrize("detached", [False, True])
def test_a_panic_is_an_internal_error_not_a_base_exception(detached: bool) -> None:
    with pytest.raises(bankfeeds.InternalError, match="deliberate panic") as caught:
        bankfeeds._bankfeeds._panic_for_tests(detached)
    assert isinstance(caught.value, Exception)
    # The module still works afterwards.
    assert bankfeeds.validate([{"id": "a", "date": "2024-05-01", "amount": "1"}], today=TODAY).is_valid


def test_api_and_transport_errors_carry_their_details() -> None:
    err = bankfeeds.ApiError(
        "Codat answered 404",
        status=404,
        message="Company not found",
        correlation_id="abc-123",
        body={"statusCode": 404},
        retryable=False,
        operation="get_company",
    )
    assert (err.status, err.message, err.correlation_id, err.retryable) == (404, "Company not found", "abc-123", False)
    assert err.body == {"statusCode": 404} and err.operation == "get_company"
    assert str(err) == "Codat answered 404"
    transport = bankfeeds.TransportError("connection refused")
    assert transport.retryable


def test_validation_error_summarises_its_report() -> None:
    rows: list[dict[str, Any]] = [{"id": "a", "date": "2024-05-01", "amount": "x"}, {"id": "b"}]
    with pytest.raises(bankfeeds.ValidationError) as caught:
        bankfeeds.verify(rows)
    err = caught.value
    assert str(err).startswith("the rows cannot be read: error [invalid_number] row 0 (id a) amount:")
    assert "(and 2 more error(s))" in str(err)
    assert [i.row for i in err.issues] == [0, 1, 1]
    assert err.issue is not None and err.issue.code == "invalid_number"
