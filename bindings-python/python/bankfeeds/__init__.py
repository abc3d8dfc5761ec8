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

    result = bankfeeds.prepare(rows, platform="xero", fill_from_closing=Decimal("2496.80"))
    table = result.to_arrow()           # or result.to_dicts(), result.transactions

Batch functions take a list of dicts, a list of ``Transaction`` objects, a ``Transactions``
batch, or Arrow data (``pyarrow.Table``/``RecordBatch``, polars frames, anything with
``__arrow_c_stream__``), and release the GIL while Rust works, so threads scale.

Which functions report and which raise:

- ``validate``, ``validate_file`` and ``validate_push`` check rows as given, and ``prepare``,
  ``prepare_file`` and ``stream_file`` (a file of any size, read as it streams) normalise them
  first; all return every finding as data (a ``Report``); a bad value or row never raises. ``docs/contract.md`` names each verb in every language; the older
  names ``normalise``, ``normalise_file``, ``fill_forward``, ``fill_backward`` and ``verify``
  remain as deprecated aliases.
- ``prepare(strict=True)``, ``fill_balances``, ``verify_balances``, ``batches``,
  ``push_bodies``, ``StreamedFile.push_bodies``, the ``Transaction`` constructor and ``Client.push_transactions`` need usable rows and
  raise ``ValidationError`` (carrying the whole report) when any row has an error.
- Any function raises ``SchemaError`` when its input cannot be read as rows at all,
  ``ConfigurationError`` for an unusable option, and ``TypeError`` for an argument of the wrong
  Python type.

Pushing: ``Client.push_transactions`` records every batch in a push ledger (by default a SQLite
file at ``default_ledger_path()``: ``$BANKFEEDS_LEDGER``, else the user's data folder), so a
rerun sends only what the account does not have, also after a crash, and two pushes never send
to one account at once. ``ledger=`` takes another path, a ``SqliteLedger``, a ``MemoryLedger``,
``False`` (none), or a ledger kept in the bank's own store (any object with the methods of
``PushLedger``).

Webhooks: ``bankfeeds.webhooks.verify(secret, headers, body)`` checks a delivery from Codat the
same way as every other bankfeeds front end and returns its typed event (a refusal raises
``WebhookError`` with a stable ``code`` and the HTTP ``status`` to answer).
"""

from __future__ import annotations

import logging

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
    Lease,
    LeaseHolder,
    LedgerAccount,
    LedgerBatch,
    MemoryLedger,
    Normalised,
    PushBodyIterator,
    Pages,
    Profile,
    PushBody,
    PushEvents,
    PushReport,
    Report,
    SqliteLedger,
    StreamedFile,
    Transaction,
    Transactions,
    batches,
    default_ledger_path,
    error_codes,
    fill_backward,
    fill_balances,
    fill_forward,
    lease_expiry,
    normalise,
    normalise_file,
    prepare,
    prepare_file,
    profile,
    push_bodies,
    stream_file,
    validate,
    validate_account,
    validate_file,
    validate_push,
    verify,
    verify_balances,
)
from bankfeeds._errors import (
    AccountBusyError,
    ApiError,
    BankFeedsError,
    ConfigurationError,
    HistoryUnknownError,
    InternalError,
    LedgerError,
    LookupIncompleteError,
    PushError,
    ReentrancyError,
    SchemaError,
    TransportError,
    UnexpectedResponseError,
    ValidationError,
    WebhookError,
)

from bankfeeds._ledger import PushLedger
from bankfeeds import models, webhooks

# The client logs to the `bankfeeds` logger (requests at DEBUG, retries and batches at INFO);
# like any library it stays silent until the application configures logging.
logging.getLogger("bankfeeds").addHandler(logging.NullHandler())

__version__: str = _bankfeeds.__version__

#: The states of a batch in the push ledger (``LedgerBatch.state``), in the order a batch goes.
BATCH_STATES: tuple[str, ...] = tuple(_bankfeeds.BATCH_STATES)

#: The short names of every platform whose rules bankfeeds knows.
PLATFORMS: tuple[str, ...] = tuple(_bankfeeds.platforms())

#: Every finding code with its default severity, e.g. ``CODES["balance_mismatch"] == "error"``.
CODES: dict[str, str] = dict(_bankfeeds.codes())

__all__ = [
    "BATCH_STATES",
    "CODES",
    "PLATFORMS",
    "Account",
    "AccountBusyError",
    "ApiError",
    "ArrowStream",
    "Balanced",
    "BankFeedsError",
    "Break",
    "ChainReport",
    "Change",
    "Client",
    "ConfigurationError",
    "HistoryUnknownError",
    "InternalError",
    "Issue",
    "Lease",
    "LeaseHolder",
    "LedgerAccount",
    "LedgerBatch",
    "LedgerError",
    "LookupIncompleteError",
    "MemoryLedger",
    "Normalised",
    "Pages",
    "Profile",
    "PushBody",
    "PushBodyIterator",
    "PushError",
    "PushEvents",
    "PushLedger",
    "PushReport",
    "ReentrancyError",
    "Report",
    "SchemaError",
    "SqliteLedger",
    "StreamedFile",
    "Transaction",
    "Transactions",
    "TransportError",
    "UnexpectedResponseError",
    "ValidationError",
    "WebhookError",
    "batches",
    "default_ledger_path",
    "error_codes",
    "fill_backward",
    "fill_balances",
    "fill_forward",
    "lease_expiry",
    "normalise",
    "normalise_file",
    "prepare",
    "prepare_file",
    "profile",
    "push_bodies",
    "stream_file",
    "validate",
    "validate_account",
    "validate_file",
    "validate_push",
    "verify",
    "verify_balances",
    "models",
    "webhooks",
]
