"""bankfeeds: feed bank transactions into accounting software through Codat's Bank Feeds API.

Every rule lives in a Rust core; this package is its Python face. Money is ``decimal.Decimal``
(floats only where they are exactly a short decimal: ``0.5`` yes, ``0.1`` no), transaction
dates are local wall-clock times (an aware ``datetime`` keeps its wall-clock part, with an
``offset_dropped`` warning), and findings are data::

    import bankfeeds
    from decimal import Decimal

    rows = [
        {"id": "t1", "date": "2024-05-01", "amount": Decimal("2500.00"), "description": "Salary"},
        {"id": "t2", "date": "2024-05-02", "amount": "-3.20", "description": "Coffee"},
    ]
    report = bankfeeds.validate(rows, platform="xero")
    for issue in report.errors:
        print(issue.row, issue.field, issue.code, issue.message)

    result = bankfeeds.normalise(rows, platform="xero", fill_from_closing=Decimal("2496.80"))
    table = result.to_arrow()           # or result.to_dicts(), result.transactions

Batch functions take a list of dicts, a list of ``Transaction`` objects, a ``Transactions``
batch, or Arrow data (``pyarrow.Table``/``RecordBatch``, polars frames, anything with
``__arrow_c_stream__``), and release the GIL while Rust works, so threads scale.

Which functions report and which raise:

- ``validate``, ``validate_file``, ``validate_push`` and ``normalise`` return every finding as
  data (a ``Report``); a bad value or row never raises.
- ``normalise(strict=True)``, ``fill_forward``, ``fill_backward``, ``verify``, ``batches``,
  ``push_bodies``, the ``Transaction`` constructor and the client's ``push`` need usable rows and
  raise ``ValidationError`` (carrying the whole report) when any row has an error.
- Any function raises ``SchemaError`` when its input cannot be read as rows at all,
  ``ConfigurationError`` for an unusable option, and ``TypeError`` for an argument of the wrong
  Python type.
"""

from __future__ import annotations

from bankfeeds import _bankfeeds
from bankfeeds._bankfeeds import (
    Account,
    ArrowStream,
    Balanced,
    Break,
    ChainReport,
    Change,
    Client,
    Issue,
    Normalised,
    Profile,
    PushBody,
    PushReport,
    Report,
    Transaction,
    Transactions,
    batches,
    fill_backward,
    fill_forward,
    normalise,
    normalise_file,
    profile,
    push_bodies,
    validate,
    validate_account,
    validate_file,
    validate_push,
    verify,
)
from bankfeeds._errors import (
    ApiError,
    BankFeedsError,
    ConfigurationError,
    InternalError,
    PushError,
    ReentrancyError,
    SchemaError,
    TransportError,
    ValidationError,
)

__version__: str = _bankfeeds.__version__

#: The short names of every platform whose rules bankfeeds knows.
PLATFORMS: tuple[str, ...] = tuple(_bankfeeds.platforms())

#: Every finding code with its default severity, e.g. ``CODES["balance_mismatch"] == "error"``.
CODES: dict[str, str] = dict(_bankfeeds.codes())

__all__ = [
    "CODES",
    "PLATFORMS",
    "Account",
    "ApiError",
    "ArrowStream",
    "Balanced",
    "BankFeedsError",
    "Break",
    "ChainReport",
    "Change",
    "Client",
    "ConfigurationError",
    "InternalError",
    "Issue",
    "Normalised",
    "Profile",
    "PushBody",
    "PushError",
    "PushReport",
    "ReentrancyError",
    "Report",
    "SchemaError",
    "Transaction",
    "Transactions",
    "TransportError",
    "ValidationError",
    "batches",
    "fill_backward",
    "fill_forward",
    "normalise",
    "normalise_file",
    "profile",
    "push_bodies",
    "validate",
    "validate_account",
    "validate_file",
    "validate_push",
    "verify",
]
