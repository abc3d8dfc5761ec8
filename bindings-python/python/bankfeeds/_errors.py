"""The exceptions bankfeeds raises, all under one base class.

::

    BankFeedsError(Exception)
    ├── ValidationError(BankFeedsError, ValueError)   rows that cannot be used; carries the report
    │   └── SchemaError(ValidationError, TypeError)   the input cannot be read as rows at all
    ├── ConfigurationError(BankFeedsError, ValueError) an option or setting that cannot be used
    ├── ApiError(BankFeedsError)                     Codat answered with an error
    │   └── UnexpectedResponseError(ApiError)        ... but not with what the API promises
    ├── TransportError(BankFeedsError)               no answer: connection, TLS, timeout
    ├── PushError(BankFeedsError)                    a push could not be started or confirmed
    │   ├── HistoryUnknownError(PushError)           the account has pushes no ledger accounts for
    │   ├── AccountBusyError(PushError)              another push holds the account
    │   └── LookupIncompleteError(PushError)         a lost push could not be looked up
    ├── LedgerError(BankFeedsError)                  the push ledger failed (or raised)
    ├── ReentrancyError(BankFeedsError, RuntimeError) a client call inside a callback of another
    ├── WebhookError(BankFeedsError)                 a webhook delivery refused: ``code``, ``status``
    └── InternalError(BankFeedsError)                a bug in bankfeeds, stopped safely

Every one carries ``code``, a string from the core's table of error kinds
(``bankfeeds.error_codes()``; ``docs/contract.md`` maps each to its class here and in every other
language): ``"validation"``, ``"schema"``, ``"config"``, ``"api"``, ``"decode"``, ``"timeout"``,
``"transport"``, ``"history_unknown"``, a webhook refusal's code... The same core error has the
same code and the same class in Python, JavaScript, Kotlin and Swift.

Declared in Python so ``except bankfeeds.ValidationError`` works and so the compiled module can
raise them with their attributes set.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any, Dict, Optional

if TYPE_CHECKING:  # pragma: no cover
    from bankfeeds._bankfeeds import Issue, Report

__all__ = [
    "AccountBusyError",
    "ApiError",
    "BankFeedsError",
    "ConfigurationError",
    "HistoryUnknownError",
    "InternalError",
    "LedgerError",
    "LookupIncompleteError",
    "PushError",
    "ReentrancyError",
    "SchemaError",
    "TransportError",
    "UnexpectedResponseError",
    "ValidationError",
    "WebhookError",
]


class BankFeedsError(Exception):
    """Base class of every error bankfeeds raises: ``except bankfeeds.BankFeedsError`` catches
    them all, and nothing else. ``code`` is the error's kind from the core's table
    (``bankfeeds.error_codes()``), the same string in every language bankfeeds speaks. ``kind``
    (errors from the client) is the same string, kept for existing code."""

    code: str = "internal"
    kind: Optional[str] = None


class ValidationError(BankFeedsError, ValueError):
    """Rows (or one transaction) that cannot be used for what was asked.

    ``code`` is ``"validation"``. ``report`` holds every finding (errors and warnings);
    ``issue`` is the first error (its finding code is ``issue.code``) and ``row``, ``field`` and
    ``id`` repeat its location for a quick ``except`` clause.
    """

    code: str = "validation"
    report: Report
    issue: Optional[Issue]
    row: Optional[int]
    field: Optional[str]
    id: Optional[str]

    def __init__(self, message: str, report: Report) -> None:
        self.lead = message
        self.report = report
        errors = report.errors
        self.issue = errors[0] if errors else None
        self.row = self.issue.row if self.issue is not None else None
        self.field = self.issue.field if self.issue is not None else None
        self.id = self.issue.id if self.issue is not None else None
        super().__init__(self._describe())

    @property
    def issues(self) -> list[Issue]:
        """Every error of the report."""
        return self.report.errors

    def _describe(self) -> str:
        n = self.report.error_count
        if self.issue is None:
            return self.lead
        more = f" (and {n - 1} more error(s))" if n > 1 else ""
        return f"{self.lead}: {self.issue}{more}"


class SchemaError(ValidationError, TypeError):
    """The input as a whole cannot be read as rows: an Arrow column whose type no field can take
    (a list, a struct, binary...), or an Arrow stream that failed. Raised before any row is read;
    ``column`` names the column when there is one. ``code`` is ``"schema"``."""

    code: str = "schema"
    column: Optional[str]

    def __init__(self, message: str, report: Report, column: Optional[str] = None) -> None:
        self.column = column
        super().__init__(message, report)

    def _describe(self) -> str:
        return self.lead


class ConfigurationError(BankFeedsError, ValueError):
    """An option or setting that cannot be used: an unknown platform, an inexact float as an
    opening balance, a missing API key, both an opening and a closing balance. ``code`` is
    ``"config"``."""

    code: str = "config"


class ApiError(BankFeedsError):
    """Codat answered with an error status.

    ``status`` is the HTTP status, ``message`` Codat's own message, ``correlation_id`` the id
    Codat's support asks for, ``body`` the error body (a dict when it was JSON, else text),
    ``retryable`` whether trying again later may succeed (429, 5xx), ``operation`` the client
    operation that failed, and ``rate_limit`` Codat's rate-limit headers on the answer (a dict:
    ``limit``, ``remaining``, ``reset``) when it had them. ``code`` is ``"api"``.
    """

    code: str = "api"
    status: int
    message: Optional[str]
    correlation_id: Optional[str]
    body: Any
    retryable: bool
    operation: Optional[str]
    rate_limit: Optional[Dict[str, Any]]

    def __init__(
        self,
        text: str,
        *,
        status: int,
        message: Optional[str] = None,
        correlation_id: Optional[str] = None,
        body: Any = None,
        retryable: bool = False,
        operation: Optional[str] = None,
        rate_limit: Optional[Dict[str, Any]] = None,
    ) -> None:
        super().__init__(text)
        self.rate_limit = rate_limit
        self.status = status
        self.message = message
        self.correlation_id = correlation_id
        self.body = body
        self.retryable = retryable
        self.operation = operation


class UnexpectedResponseError(ApiError):
    """Codat answered, but not with what the API promises (a proxy's page, a body that does not
    fit the model). ``code`` is ``"decode"``; ``status`` is the answer's HTTP status and ``body``
    the start of it. An ``ApiError``, so ``except bankfeeds.ApiError`` catches it too."""

    code: str = "decode"


class TransportError(BankFeedsError):
    """No usable answer: the connection failed, TLS failed (``code == "transport"``), or the
    request timed out (``code == "timeout"``). ``retryable`` says whether trying again may
    succeed."""

    code: str = "transport"
    retryable: bool

    def __init__(self, text: str, *, retryable: bool = True) -> None:
        super().__init__(text)
        self.retryable = retryable


class PushError(BankFeedsError):
    """A push that could not be started or whose outcome could not be confirmed: the source
    account does not exist (``kind == "source_account_not_found"``), what the account already has
    cannot be told (``"history_unknown"``, ``HistoryUnknownError``), another push holds the
    account (``"account_busy"``, ``AccountBusyError``), a push whose answer was lost could not be
    looked up (``"lookup_incomplete"``, ``LookupIncompleteError``), a push operation stayed
    pending too long (``"wait_timeout"``) or its outcome is unknown (``"push_outcome_unknown"``).
    ``retryable`` says whether running the push again may succeed (it sends only what is
    missing)."""

    retryable: bool

    def __init__(self, text: str, *, kind: str, retryable: bool = False) -> None:
        super().__init__(text)
        self.kind = kind
        self.code = kind
        self.retryable = retryable


class HistoryUnknownError(PushError):
    """What the account already has cannot be told, so nothing was sent: push operations on the
    connection that the push ledger does not know, and that do not say what they carried (Codat's
    push operations carry no ``data``). A new machine, another ledger, or another system pushing
    to the connection. Push with the ledger that recorded them (``ledger=``), or say what to do:
    ``unknown_history="trust"`` (none of the rows is on the account yet) or
    ``skip_through=date`` / ``skip_through=(date, id)`` (the account has everything up to there).

    ``account_id`` is the account, ``operations`` the keys of the operations nobody accounts for.
    """

    account_id: str
    operations: list[str]

    def __init__(self, text: str, *, account_id: str, operations: list[str]) -> None:
        super().__init__(text, kind="history_unknown", retryable=False)
        self.account_id = account_id
        self.operations = operations


class AccountBusyError(PushError):
    """Another push holds the account's lease in the push ledger (another process or thread, or
    another machine sharing the ledger), so nothing was sent. Run again once it has finished, or
    wait for it with ``lock_wait=`` seconds.

    ``holder`` says who (process and host), ``expires_at`` (aware UTC) when the lease lapses
    unless its holder renews it."""

    account_id: str
    holder: str
    expires_at: datetime.datetime

    def __init__(self, text: str, *, account_id: str, holder: str, expires_at: datetime.datetime) -> None:
        super().__init__(text, kind="account_busy", retryable=True)
        self.account_id = account_id
        self.holder = holder
        self.expires_at = expires_at


class LookupIncompleteError(PushError):
    """A push whose answer was lost could not be looked up: more push operations were requested
    since it began than bankfeeds reads (``examined``). Its outcome stays unknown and it was not
    sent again; a later ``push_transactions`` looks it up before sending anything."""

    examined: int

    def __init__(self, text: str, *, examined: int) -> None:
        super().__init__(text, kind="lookup_incomplete", retryable=True)
        self.examined = examined


class LedgerError(BankFeedsError):
    """The push ledger could not be opened, read or written, or a ledger written in Python
    raised (the original exception is ``__cause__``). The push stopped there: what it had sent is
    in the ledger or is looked up by the next push, which sends nothing twice."""

    retryable: bool

    code: str = "ledger"

    def __init__(self, text: str, *, retryable: bool = False) -> None:
        super().__init__(text)
        self.kind = "ledger"
        self.retryable = retryable


class ReentrancyError(BankFeedsError, RuntimeError):
    """A client call made inside a callback of another client call on the same thread (an
    ``on_progress`` that calls the client): the outer call is waiting on that thread, so the inner
    one cannot run there. Raised at the inner call; nothing is sent for it. Collect what the
    callback needs and make the call after the outer one returns, or from another thread.
    ``code`` is ``"reentrancy"``."""

    code: str = "reentrancy"


class WebhookError(BankFeedsError):
    """A webhook delivery ``bankfeeds.webhooks.verify`` refused.

    ``code`` says why, one of six stable codes (the same in every language bankfeeds speaks):
    ``missing_header``, ``invalid_timestamp``, ``expired``, ``invalid_signature``,
    ``invalid_secret``, ``invalid_body``. ``status`` is the HTTP status to answer with: 401 for a
    delivery that is not (or no longer) authentic (``invalid_signature``, ``expired``), 400 for a
    malformed one, 500 for a bad secret (the receiver's own misconfiguration). Codat delivers
    again after any answer but 2xx."""

    code: str
    status: int

    def __init__(self, message: str, *, code: str, status: int) -> None:
        super().__init__(message)
        self.kind = "webhook"
        self.code = code
        self.status = status


class InternalError(BankFeedsError):
    """A bug in bankfeeds, caught at the boundary so it never escapes as a ``BaseException``.
    Please report it with the message. ``code`` is ``"internal"``."""

    code: str = "internal"
