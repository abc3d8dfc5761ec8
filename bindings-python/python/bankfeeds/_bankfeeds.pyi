"""Type stubs of the compiled module ``bankfeeds._bankfeeds`` (kept by hand; checked by
``mypy --strict`` on the tests and by ``python -m mypy.stubtest bankfeeds._bankfeeds``)."""

import contextvars
import datetime
import decimal
import os
import pathlib
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Generic, Literal, Protocol, TypedDict, TypeVar, final, overload

from typing_extensions import Unpack

from bankfeeds import models as _m
from bankfeeds._ledger import PushLedger
from bankfeeds.webhooks import WebhookEvent as _WebhookEvent

__version__: str
#: The states of a batch in the push ledger, in the order a batch goes.
BATCH_STATES: list[str]
#: Set by ``bankfeeds.aio`` in the worker thread of each call; the call stops when the event is set.
_cancel: contextvars.ContextVar[threading.Event | None]
__all__ = [
    "__version__",
    "_object_layouts",
    "_allocator_options",
    "Transaction",
    "Transactions",
    "PushBody",
    "PushEvents",
    "Issue",
    "Report",
    "Change",
    "Normalised",
    "StreamedFile",
    "PushBodyIterator",
    "Balanced",
    "ChainReport",
    "Break",
    "Account",
    "Profile",
    "ArrowStream",
    "Client",
    "Pages",
    "PushReport",
    "PushEvents",
    "LedgerAccount",
    "LedgerBatch",
    "LeaseHolder",
    "Lease",
    "SqliteLedger",
    "MemoryLedger",
    "default_ledger_path",
    "lease_expiry",
    "BATCH_STATES",
    "validate",
    "normalise",
    "validate_file",
    "normalise_file",
    "fill_forward",
    "fill_backward",
    "verify",
    "verify_balances",
    "prepare",
    "prepare_file",
    "stream_file",
    "fill_balances",
    "error_codes",
    "batches",
    "push_bodies",
    "validate_push",
    "validate_account",
    "profile",
    "platforms",
    "codes",
    "_panic_for_tests",
    "_panicking_bodies_for_tests",
    "_verify_webhook",
    "_read_timestamp",
    "_cancel",
]

class _ArrowStreamExportable(Protocol):
    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object: ...

class _ArrowArrayExportable(Protocol):
    def __arrow_c_array__(self, requested_schema: object | None = None) -> tuple[object, object]: ...

#: What batch functions take: dicts and/or ``Transaction`` objects, a ``Transactions`` batch, or
#: Arrow data (``pyarrow.Table``/``RecordBatch``/``RecordBatchReader``, polars and pandas frames).
_Rows = (
    Iterable[Mapping[str, Any] | Transaction]
    | Transactions
    | _ArrowStreamExportable
    | _ArrowArrayExportable
)
#: What a push takes: rows, or a CSV or JSON file's path, read when the push reaches it.
_PushRows = _Rows | str | os.PathLike[str]
#: A local date or date-time: a naive ``datetime``, an aware one (its wall-clock part is kept),
#: a ``date`` or an ISO 8601 text.
_DateLike = datetime.date | str
#: An exact amount: a ``Decimal``, an ``int``, a numeric text, or a float that is exactly a short
#: decimal (``0.5`` yes, ``0.1`` no).
_AmountLike = decimal.Decimal | int | float | str
#: The source account: an ``Account`` or a dict of its keyword arguments.
_AccountLike = Account | Mapping[str, Any]
#: Severities by rule code (``bankfeeds.codes()``): ``{"sign_mismatch": "error",
#: "exact_duplicate": "off"}``; each level is ``"error"``, ``"warning"`` or ``"off"``.
_Rules = Mapping[str, str]

@final
class Transaction:
    """One bank statement line, typed and checked when built; raises ``ValidationError``
    listing every argument it cannot use."""

    def __new__(
        cls,
        id: str,
        date: _DateLike,
        amount: _AmountLike,
        *,
        description: str | None = None,
        counterparty: str | None = None,
        reference: str | None = None,
        reconciled: bool | None = None,
        balance: _AmountLike | None = None,
        transaction_type: str | None = None,
    ) -> Transaction: ...
    @staticmethod
    def from_dict(mapping: Mapping[str, Any]) -> Transaction:
        """Builds a transaction from a dict whose keys are matched as row keys are."""
    @property
    def id(self) -> str: ...
    @property
    def date(self) -> datetime.datetime:
        """The local wall-clock date-time, naive."""
    @property
    def date_text(self) -> str:
        """The date exactly as it will be sent."""
    @property
    def date_only(self) -> bool:
        """Whether the date was given without a time of day."""
    @property
    def amount(self) -> decimal.Decimal: ...
    @property
    def balance(self) -> decimal.Decimal | None: ...
    @property
    def description(self) -> str | None: ...
    @property
    def counterparty(self) -> str | None: ...
    @property
    def reference(self) -> str | None: ...
    @property
    def reconciled(self) -> bool | None: ...
    @property
    def transaction_type(self) -> str | None: ...
    def to_dict(self) -> dict[str, Any]:
        """A dict with the keys ``id, date, description, counterparty, reference, reconciled,
        amount, balance, transaction_type``."""
    def to_json(self) -> str:
        """The transaction as Codat receives it: camelCase JSON, exact amounts."""
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...

@final
class Transactions:
    """A batch of typed transactions kept in Rust until asked for."""

    def __len__(self) -> int: ...
    @overload
    def __getitem__(self, index: int, /) -> Transaction: ...
    @overload
    def __getitem__(self, index: slice, /) -> Transactions: ...
    def __iter__(self) -> Iterator[Transaction]: ...
    @property
    def source_rows(self) -> list[int] | None:
        """For each transaction, its zero-based input row."""
    def to_list(self) -> list[Transaction]: ...
    def to_dicts(self) -> list[dict[str, Any]]: ...
    def to_arrow(self, *, source_row: bool = False) -> Any:
        """A ``pyarrow.Table``: ``date`` as naive ``timestamp[us]``, amounts as
        ``decimal128(38, s)``."""
    def to_json(self) -> str: ...
    def batches(self, size: int = 1000) -> list[Transactions]: ...
    def push_bodies(self, account_id: str, size: int = 1000) -> list[PushBody]: ...
    def closing_balance(self) -> decimal.Decimal | None: ...
    def opening_balance(self) -> decimal.Decimal | None: ...

@final
class PushBody:
    """The body of one push: up to 1000 transactions for one source account."""

    def __new__(cls, account_id: str, transactions: Transactions | Iterable[Transaction]) -> PushBody: ...
    @property
    def account_id(self) -> str: ...
    @property
    def transactions(self) -> Transactions: ...
    def to_json(self) -> str: ...
    def __len__(self) -> int: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...

@final
class Issue:
    """One finding: ``code``, ``severity``, ``row``, ``id``, ``field``, ``message``,
    ``expected`` and ``found``."""

    @property
    def code(self) -> str: ...
    @property
    def severity(self) -> str: ...
    @property
    def row(self) -> int | None: ...
    @property
    def line(self) -> int | None:
        """The line of a CSV file the finding is on, or ``None``."""
    @property
    def id(self) -> str | None: ...
    @property
    def field(self) -> str | None: ...
    @property
    def message(self) -> str: ...
    @property
    def expected(self) -> str | None: ...
    @property
    def found(self) -> str | None: ...
    @property
    def is_error(self) -> bool: ...
    def to_dict(self) -> dict[str, Any]: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...

@final
class Report:
    """Every finding of one pass, errors and warnings together, ordered by row."""

    @property
    def issues(self) -> list[Issue]: ...
    @property
    def errors(self) -> list[Issue]: ...
    @property
    def warnings(self) -> list[Issue]: ...
    @property
    def error_count(self) -> int: ...
    @property
    def warning_count(self) -> int: ...
    @property
    def is_valid(self) -> bool: ...
    @property
    def omitted(self) -> list[_Omitted]: ...
    def with_code(self, code: str) -> list[Issue]: ...
    def raise_for_errors(self) -> None: ...
    def to_dicts(self) -> list[dict[str, Any]]: ...
    def to_arrow(self) -> Any: ...
    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[Issue]: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...

class _Omitted(TypedDict):
    """Findings of one code and severity counted in a report but not listed in it."""

    code: str
    severity: str
    count: int

class _OmittedChanges(TypedDict):
    """Changes of one kind counted but not listed."""

    kind: str
    count: int

@final
class Change:
    """One change normalisation made."""

    @property
    def kind(self) -> str: ...
    @property
    def row(self) -> int | None: ...
    @property
    def id(self) -> str | None: ...
    @property
    def field(self) -> str | None: ...
    @property
    def before(self) -> str | None: ...
    @property
    def after(self) -> str | None: ...
    @property
    def rows(self) -> list[int]: ...
    @property
    def message(self) -> str: ...
    def to_dict(self) -> dict[str, Any]: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...

@final
class Normalised:
    """What ``normalise()`` returns: transactions, changes and findings."""

    @property
    def transactions(self) -> Transactions: ...
    @property
    def source_rows(self) -> list[int]: ...
    @property
    def changes(self) -> list[Change]: ...
    @property
    def report(self) -> Report: ...
    @property
    def is_valid(self) -> bool: ...
    @property
    def account_id(self) -> str | None: ...
    @property
    def batch_size(self) -> int: ...
    @property
    def rows_read(self) -> int: ...
    def to_dicts(self) -> list[dict[str, Any]]: ...
    def to_arrow(self, *, source_row: bool = False) -> Any: ...
    def batches(self) -> list[Transactions]: ...
    def push_bodies(self, account_id: str | None = None) -> list[PushBody]: ...
    def raise_for_errors(self) -> None: ...
    def __len__(self) -> int: ...

@final
class StreamedFile:
    """What ``stream_file()`` returns: a file normalised and validated as it streamed, with every
    finding and change and the counts, but not its rows."""

    @property
    def path(self) -> pathlib.Path: ...
    @property
    def report(self) -> Report:
        """Every finding, as ``prepare_file()`` reports them."""
    @property
    def changes(self) -> list[Change]:
        """The changes listed: the first ``max_findings`` of each kind."""
    @property
    def changes_omitted(self) -> list[_OmittedChanges]:
        """The changes counted but not listed, by kind."""
    @property
    def is_valid(self) -> bool: ...
    @property
    def account_id(self) -> str | None: ...
    @property
    def rows_read(self) -> int: ...
    @property
    def transaction_count(self) -> int:
        """Transactions to push (also ``len()``)."""
    @property
    def batch_count(self) -> int:
        """Push bodies the transactions make."""
    @property
    def batch_size(self) -> int: ...
    @property
    def in_memory(self) -> str | None:
        """Why the file was read whole instead of streamed, or ``None``."""
    def push_bodies(self, account_id: str | None = None) -> PushBodyIterator:
        """The push bodies for an account (by default the one the file names), one at a time,
        as ``prepare_file(path).push_bodies(account_id)`` gives them: the file is read again.
        Raises ``ValidationError`` when the file has errors (or, iterating, when it changed
        since it was read) and ``ConfigurationError`` when no account is named."""
    def raise_for_errors(self) -> None: ...
    def __len__(self) -> int: ...

@final
class PushBodyIterator(Iterator[PushBody]):
    """A streamed file's push bodies, one at a time; ``close()`` (or leaving a ``with`` block)
    stops the reading part way."""

    def __iter__(self) -> PushBodyIterator: ...
    def __next__(self) -> PushBody: ...
    def close(self) -> None: ...
    def __enter__(self) -> PushBodyIterator: ...
    def __exit__(self, *_exc: object) -> bool: ...

@final
class Balanced:
    """Transactions with balances computed along the chain."""

    @property
    def transactions(self) -> Transactions: ...
    @property
    def opening(self) -> decimal.Decimal: ...
    @property
    def closing(self) -> decimal.Decimal: ...
    def __len__(self) -> int: ...

@final
class Break:
    """A row whose balance is not the previous balance plus its amount."""

    @property
    def row(self) -> int: ...
    @property
    def id(self) -> str: ...
    @property
    def expected(self) -> decimal.Decimal: ...
    @property
    def found(self) -> decimal.Decimal: ...
    @property
    def difference(self) -> decimal.Decimal: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...

@final
class ChainReport:
    """What ``verify()`` found."""

    @property
    def breaks(self) -> list[Break]: ...
    @property
    def missing(self) -> list[int]: ...
    @property
    def overflows(self) -> list[int]: ...
    @property
    def is_intact(self) -> bool: ...
    def to_dicts(self) -> list[dict[str, Any]]: ...

@final
class Account:
    """What is known of the source account."""

    def __new__(
        cls,
        *,
        id: str | None = None,
        currency: str | None = None,
        status: str | None = None,
        sort_code: str | None = None,
        account_type: str | None = None,
        feed_start_date: _DateLike | None = None,
    ) -> Account: ...
    @property
    def id(self) -> str | None: ...
    @property
    def currency(self) -> str | None: ...
    @property
    def status(self) -> str | None: ...
    @property
    def sort_code(self) -> str | None: ...
    @property
    def account_type(self) -> str | None: ...
    @property
    def feed_start_date(self) -> datetime.date | None: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...

@final
class Profile:
    """One accounting platform's rules."""

    @property
    def platform(self) -> str: ...
    @property
    def key(self) -> str | None: ...
    @property
    def name(self) -> str: ...
    @property
    def max_batch(self) -> int: ...
    @property
    def missing_balance(self) -> str | None: ...
    @property
    def description_required(self) -> bool: ...
    @property
    def max_age_days(self) -> int | None: ...
    @property
    def before_feed_start(self) -> str: ...
    @property
    def older_than_latest(self) -> str: ...
    @property
    def max_description(self) -> int | None: ...
    @property
    def max_counterparty(self) -> int | None: ...
    @property
    def max_reference(self) -> int | None: ...
    @property
    def allowed_types(self) -> list[str] | None: ...
    @property
    def ignored_fields(self) -> list[str]: ...
    @property
    def countries(self) -> list[str] | None: ...
    @property
    def type_decides_direction(self) -> bool: ...
    @property
    def account_types(self) -> list[str] | None: ...

@final
class ArrowStream:
    """A record batch exporting itself through the Arrow PyCapsule stream protocol."""

    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object: ...
    def __len__(self) -> int: ...

_Model = Mapping[str, Any]
_M = TypeVar("_M")

_Pem = str | bytes | os.PathLike[str]
"""PEM text (holding ``-----BEGIN``) or bytes, or else the path of a PEM file."""

class _ContextKeywords(TypedDict, total=False):
    """What validation knows, as every validating function takes it (all keyword arguments,
    each optional): ``platform`` (``"generic"``), ``today``, ``account``, ``opening_balance``,
    ``latest_existing``, ``country``, ``rules`` and ``time_zone`` (default ``None``)."""

    platform: str
    today: _DateLike | None
    account: _AccountLike | None
    opening_balance: _AmountLike | None
    latest_existing: _DateLike | None
    country: str | None
    rules: _Rules | None
    time_zone: str | None

class _PrepareKeywords(_ContextKeywords, total=False):
    """What normalisation may change, with the validation keywords: ``trim`` (True),
    ``truncate`` (False), ``dedupe`` (True), ``infer_types`` (True), ``fix_signs`` (False),
    ``sort`` (True), ``fill_from_opening``, ``fill_from_closing``, ``batch_size`` (None) and
    ``strict`` (False)."""

    trim: bool
    truncate: bool
    dedupe: bool
    infer_types: bool
    fix_signs: bool
    sort: bool
    fill_from_opening: _AmountLike | None
    fill_from_closing: _AmountLike | None
    batch_size: int | None
    strict: bool

class _ListQuery(TypedDict, total=False):
    """The query of every paged list (each default ``None``)."""

    query: str | None
    order_by: str | None
    page_size: int | None
    tags: str | None

class _PushParams(TypedDict, total=False):
    """The parameters of one push request (each default ``None``)."""

    timeout_in_minutes: int | None
    allow_sync_on_push_complete: bool | None

class _PushKeywords(TypedDict, total=False):
    """The keywords ``push_transactions`` and ``push_all`` share; defaults: ``None``, but
    ``skip_already_pushed`` (True), ``unknown_history`` (``"refuse"``), ``resend`` (none) and
    ``lock_wait`` (0.0)."""

    batch_size: int | None
    today: _DateLike | None
    time_zone: str | None
    country: str | None
    timeout_in_minutes: int | None
    allow_sync_on_push_complete: bool | None
    poll_interval: float | None
    wait_timeout: float | None
    skip_already_pushed: bool
    on_progress: Callable[[dict[str, Any]], object] | None
    ledger: _Ledger | None
    unknown_history: Literal["refuse", "trust"]
    skip_through: _Cursor | None
    resend: Iterable[str]
    lock_wait: float
    rules: _Rules | None
    events: PushEvents | None

class _RateLimitInfo(TypedDict):
    """Codat's rate-limit headers on one answer (``None`` where a header was absent)."""

    limit: int | None
    remaining: int | None
    reset: str | None

@final
class Client:
    """A Codat Bank Feeds client; every API operation is a method that blocks with the GIL
    released (Ctrl-C stops it with ``KeyboardInterrupt``). Answers are the typed models of
    ``bankfeeds.models`` (``Decimal`` amounts, aware UTC ``datetime`` date-times); paged lists are
    lazy ``Pages``; a request body is a model or a wire dict."""

    def __new__(
        cls,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        auth_header: tuple[str, str] | None = None,
        connect_timeout: float | None = None,
        request_timeout: float | None = None,
        retries: bool = True,
        max_retry_seconds: float | None = None,
        max_attempts: int | None = None,
        user_agent: str | None = None,
        max_response_bytes: int | None = None,
        trust_store: Literal["webpki", "native", "both", "none"] = "webpki",
        ca_certs: _Pem | Sequence[_Pem] | None = None,
        client_cert: _Pem | None = None,
        client_key: _Pem | None = None,
        proxy: str | None = None,
        no_proxy: str | None = None,
        proxy_from_env: bool = True,
        on_rate_limit: Callable[[_RateLimitInfo], object] | None = None,
        max_per_company: int | None = None,
        max_in_flight: int | None = None,
    ) -> Client: ...
    @property
    def base_url(self) -> str: ...
    def with_options(
        self,
        *,
        request_timeout: float | None = None,
        retries: bool | None = None,
        max_retry_seconds: float | None = None,
        max_attempts: int | None = None,
    ) -> Client: ...
    def create_company(self, body: _m.CompanyRequest | _Model) -> _m.Company: ...
    def list_companies(self, **query: Unpack[_ListQuery]) -> Pages[_m.Company]: ...
    def get_company(self, company_id: str) -> _m.Company: ...
    def replace_company(self, company_id: str, body: _m.CompanyRequest | _Model) -> _m.Company: ...
    def update_company(self, company_id: str, body: _m.CompanyUpdate | _Model) -> _m.Company: ...
    def delete_company(self, company_id: str) -> None: ...
    def get_company_access_token(self, company_id: str) -> _m.CompanyAccessToken: ...
    def list_connections(
        self,
        company_id: str,
        **query: Unpack[_ListQuery],
    ) -> Pages[_m.Connection]: ...
    def create_connection(self, company_id: str, platform: str | _Model) -> _m.Connection: ...
    def get_connection(self, company_id: str, connection_id: str) -> _m.Connection: ...
    def fresh_link_url(self, company_id: str, connection_id: str) -> str | None: ...
    def unlink_connection(self, company_id: str, connection_id: str) -> _m.Connection: ...
    def delete_connection(self, company_id: str, connection_id: str) -> None: ...
    def list_bank_accounts(
        self,
        company_id: str,
        connection_id: str,
        **query: Unpack[_ListQuery],
    ) -> Pages[_m.BankAccount]: ...
    def get_create_bank_account_model(self, company_id: str, connection_id: str) -> _m.PushOption: ...
    def create_bank_account(
        self,
        company_id: str,
        connection_id: str,
        body: _m.BankAccount | _Model,
        *,
        timeout_in_minutes: int | None = None,
    ) -> _m.PushOperation: ...
    def create_source_account(
        self, company_id: str, connection_id: str, account: _m.SourceAccount | _Model
    ) -> _m.SourceAccount: ...
    def create_source_accounts(
        self,
        company_id: str,
        connection_id: str,
        accounts: Iterable[_m.SourceAccount | _Model] | _Model,
    ) -> _m.SourceAccountBatch: ...
    def list_source_accounts(self, company_id: str, connection_id: str) -> list[_m.SourceAccount]: ...
    def find_source_account(self, company_id: str, connection_id: str, account_id: str) -> _m.SourceAccount | None: ...
    def update_source_account(
        self, company_id: str, connection_id: str, account_id: str, account: _m.SourceAccount | _Model
    ) -> _m.SourceAccount: ...
    def delete_source_account(self, company_id: str, connection_id: str, account_id: str) -> None: ...
    def generate_credentials(self, company_id: str, connection_id: str) -> _m.BankAccountCredentials: ...
    def delete_credentials(self, company_id: str, connection_id: str) -> None: ...
    def generate_otp(self, company_id: str, connection_id: str) -> _m.Otp: ...
    def get_account_mappings(self, company_id: str, connection_id: str) -> list[_m.AccountMapping]: ...
    def create_account_mapping(
        self, company_id: str, connection_id: str, mapping: _m.AccountMappingRequest | _Model
    ) -> _m.AccountMappingResult: ...
    def get_company_information(self, company_id: str, connection_id: str) -> _m.CompanyInformation: ...
    def create_bank_transactions(
        self,
        company_id: str,
        connection_id: str,
        body: PushBody | _Model,
        **params: Unpack[_PushParams],
    ) -> _m.PushOperation: ...
    def get_create_bank_transactions_model(self, company_id: str, connection_id: str, account_id: str) -> _m.PushOption: ...
    def push_batch(
        self,
        company_id: str,
        connection_id: str,
        body: PushBody | _Model,
        **params: Unpack[_PushParams],
    ) -> _m.PushedBatch: ...
    def push_history(
        self,
        company_id: str,
        connection_id: str,
        account_id: str,
        *,
        ledger: _Ledger | None = None,
        lock_wait: float = 0.0,
        poll_interval: float | None = None,
        wait_timeout: float | None = None,
    ) -> dict[str, Any]:
        """What the account already has, read under its lease in the push ledger: ``transaction_ids``,
        ``newest``, ``successful_operations``, ``timed_out``, ``unknown_operations``, ``waited_for``,
        ``recovered``."""
    def get_push_operation(self, company_id: str, push_operation_key: str) -> _m.PushOperation: ...
    def list_push_operations(
        self, company_id: str, **query: Unpack[_ListQuery]
    ) -> Pages[_m.PushOperation]: ...
    def wait_for_push_operation(
        self, company_id: str, push_operation_key: str, *, poll_interval: float | None = None, timeout: float | None = None
    ) -> _m.PushOperation: ...
    def get_sync_status(self, company_id: str, connection_id: str, account_id: str, sync_id: str) -> _m.SyncStatusResult: ...
    def latest_sync_status(self, company_id: str, connection_id: str, account_id: str) -> _m.SyncStatusResult | None: ...
    def run_sync(self, company_id: str, connection_id: str, account_id: str) -> _m.SyncStarted: ...
    def push_transactions(
        self,
        company_id: str,
        connection_id: str,
        account_id: str,
        rows: _PushRows,
        **keywords: Unpack[_PushKeywords],
    ) -> PushReport:
        """Validates, normalises, pushes and waits, recording every batch in the push ledger;
        raises ValidationError when nothing may be sent. ``events``: wait by webhook. ``rows``
        may be a CSV or JSON file's path, read only when the push reaches it, and streamed: one
        batch is held at a time, and the report lists the first 1,000 findings of each code
        (the rest counted in ``omitted``); a file that changes during the push is refused."""
    def push_all(
        self,
        accounts: Iterable[tuple[str, str, str, _PushRows] | Mapping[str, Any]],
        *,
        concurrency: int = 8,
        **keywords: Unpack[_PushKeywords],
    ) -> list[dict[str, Any]]:
        """Pushes many accounts at once within Codat's limits, each as ``push_transactions``;
        one dict per account: ``company_id``, ``connection_id``, ``account_id``, ``status``,
        ``report`` (``PushReport`` or None) and ``error`` (the exception, not raised, or None)."""

@final
class Pages(Generic[_M]):
    """The items of a paged list, fetched a page at a time: the next page is asked for only when
    iteration reaches it. Iterate once (``list(pages)`` for everything)."""

    def __iter__(self) -> Pages[_M]: ...
    def __next__(self) -> _M: ...
    @property
    def pages_fetched(self) -> int:
        """How many pages iteration has fetched so far."""
    def page(self, number: int) -> _m.Page[_M]:
        """One page (from 1) of the same list with its totals; iteration is not affected."""

def _read_timestamp(text: str) -> datetime.datetime:
    """A server date-time read by the core into an aware UTC ``datetime``."""

@final
class PushEvents:
    """Push-operation updates fed from the application's webhook receiver: a push given them
    waits for each batch's update instead of polling, reading the operation anyway every
    ``fallback`` seconds. Safe to feed from any thread while a push waits in another."""

    def __new__(cls, *, fallback: float = 60.0) -> PushEvents: ...
    @property
    def fallback(self) -> float: ...
    def deliver(
        self, operation_key: str, status: Literal["Pending", "Success", "Failed", "TimedOut"]
    ) -> None:
        """Feeds one update, as a verified webhook gave it."""
    def deliver_event(self, event: _WebhookEvent) -> bool:
        """Feeds an event from ``bankfeeds.webhooks.verify``; true for push-operation events."""
    def status(self, operation_key: str) -> str | None:
        """The last status fed for an operation no push has consumed yet."""

@final
class PushReport:
    """What ``Client.push_transactions`` did."""

    @property
    def is_complete(self) -> bool: ...
    @property
    def company_id(self) -> str: ...
    @property
    def connection_id(self) -> str: ...
    @property
    def account_id(self) -> str: ...
    @property
    def platform(self) -> str: ...
    @property
    def transactions(self) -> int: ...
    @property
    def already_pushed(self) -> list[str]: ...
    @property
    def held_back(self) -> list[str]:
        """Ids skipped because a batch that ended TimedOut holds them."""
    @property
    def skipped_by_cursor(self) -> list[str]:
        """Ids skipped as at or before ``skip_through``."""
    @property
    def pushed(self) -> int: ...
    @property
    def not_pushed(self) -> int: ...
    @property
    def batches_total(self) -> int: ...
    @property
    def batches(self) -> list[dict[str, Any]]: ...
    @property
    def operation_keys(self) -> list[str]: ...
    @property
    def unknown_operations(self) -> int:
        """Push operations on the connection nobody accounts for (pushed under trust or a cursor)."""
    @property
    def timed_out(self) -> list[dict[str, Any]]:
        """The account's unsettled TimedOut batches: ``operation_key``, ``transaction_ids``."""
    @property
    def recovered(self) -> list[tuple[str, str]]:
        """``(batch_id, state)`` of batches an earlier push left without an answer."""
    @property
    def validation(self) -> Report: ...
    @property
    def changes(self) -> list[Change]: ...
    @property
    def stopped(self) -> dict[str, Any] | None:
        """``None``, or ``reason`` (``"operation_failed"``, ``"timed_out"``, ``"still_pending"``,
        ``"error"``), ``batch`` and what goes with the reason."""

#: Where ``skip_through`` says the account goes: a ``date`` (that whole day), a ``datetime``, ISO
#: text (``"2024-05-31"``, ``"2024-05-31,tx-981"``) or ``(date_or_datetime, id)``.
_Cursor = datetime.date | str | tuple[datetime.date | str, str]
#: ``ledger=``: a SQLite file's path, ``False`` (none), one of the core's ledgers, or a ledger of
#: your own (any object with the ``PushLedger`` methods).
_Ledger = str | os.PathLike[str] | Literal[False] | SqliteLedger | MemoryLedger | PushLedger

@final
class LedgerAccount:
    """Which account a batch or a lease is about; hashable."""

    def __new__(cls, company_id: str, connection_id: str, account_id: str) -> LedgerAccount: ...
    @property
    def company_id(self) -> str: ...
    @property
    def connection_id(self) -> str: ...
    @property
    def account_id(self) -> str: ...
    def to_dict(self) -> dict[str, Any]: ...
    @staticmethod
    def from_dict(mapping: Mapping[str, Any]) -> LedgerAccount: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class LeaseHolder:
    """Who holds an account's lease: a random id per push, the host and the process id."""

    def __new__(cls, id: str, host: str, pid: int) -> LeaseHolder: ...
    @staticmethod
    def this_process() -> LeaseHolder:
        """A holder for this process, with a fresh id."""
    @property
    def id(self) -> str: ...
    @property
    def host(self) -> str: ...
    @property
    def pid(self) -> int: ...
    def to_dict(self) -> dict[str, Any]: ...
    @staticmethod
    def from_dict(mapping: Mapping[str, Any]) -> LeaseHolder: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class Lease:
    """An account's lease: its holder and when it lapses (aware UTC)."""

    def __new__(cls, holder: LeaseHolder, expires_at: datetime.datetime | str) -> Lease: ...
    @property
    def holder(self) -> LeaseHolder: ...
    @property
    def expires_at(self) -> datetime.datetime: ...
    def may_be_taken_by(self, holder: LeaseHolder, now: datetime.datetime | str | None = None) -> bool:
        """The core's lease rule: the holder has it already, it has lapsed, or its holder is a
        dead process of this host."""
    def to_dict(self) -> dict[str, Any]: ...
    @staticmethod
    def from_dict(mapping: Mapping[str, Any]) -> Lease: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class LedgerBatch:
    """One batch as the push ledger keeps it."""

    def __new__(
        cls,
        *,
        batch_id: str,
        account: LedgerAccount,
        state: str,
        transaction_ids: Iterable[str],
        sent_at: datetime.datetime | str,
        updated_at: datetime.datetime | str,
        operation_key: str | None = None,
        oldest: _DateLike | None = None,
        newest: _DateLike | None = None,
    ) -> LedgerBatch: ...
    @property
    def batch_id(self) -> str: ...
    @property
    def account(self) -> LedgerAccount: ...
    @property
    def operation_key(self) -> str | None: ...
    @property
    def state(self) -> str:
        """``"sending"``, ``"pending"``, ``"success"``, ``"failed"``, ``"timed_out"`` or ``"not_accepted"``."""
    @property
    def is_open(self) -> bool: ...
    @property
    def transaction_ids(self) -> list[str]: ...
    @property
    def oldest(self) -> datetime.datetime | None: ...
    @property
    def newest(self) -> datetime.datetime | None: ...
    @property
    def sent_at(self) -> datetime.datetime: ...
    @property
    def updated_at(self) -> datetime.datetime: ...
    def to_dict(self) -> dict[str, Any]: ...
    @staticmethod
    def from_dict(mapping: Mapping[str, Any]) -> LedgerBatch: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...

@final
class SqliteLedger:
    """The core's SQLite push ledger (the default one), in one file."""

    def __new__(cls, path: str | os.PathLike[str] | None = None, *, create: bool = True) -> SqliteLedger: ...
    @property
    def path(self) -> pathlib.Path:
        """The file."""
    def batches(self, company_id: str, connection_id: str) -> list[LedgerBatch]: ...
    def save(self, batch: LedgerBatch) -> None: ...
    def acquire(self, account: LedgerAccount, holder: LeaseHolder, ttl: float) -> Lease | None: ...
    def release(self, account: LedgerAccount, holder: LeaseHolder) -> None: ...
    def lease(self, account: LedgerAccount) -> Lease | None: ...

@final
class MemoryLedger:
    """A push ledger in memory, for one process."""

    def __new__(cls) -> MemoryLedger: ...
    def batches(self, company_id: str, connection_id: str) -> list[LedgerBatch]: ...
    def save(self, batch: LedgerBatch) -> None: ...
    def acquire(self, account: LedgerAccount, holder: LeaseHolder, ttl: float) -> Lease | None: ...
    def release(self, account: LedgerAccount, holder: LeaseHolder) -> None: ...
    def lease(self, account: LedgerAccount) -> Lease | None: ...

def default_ledger_path() -> pathlib.Path:
    """Where the default push ledger lives: ``$BANKFEEDS_LEDGER``, else the user's data folder."""

def _object_layouts() -> tuple[bool, bool]:
    """Which values this process reads from CPython's object layouts once probed: (``date`` and
    ``datetime``, ``Decimal``). ``BANKFEEDS_PYTHON_LAYOUTS=0`` (set before the first value is
    read) turns both off."""
    ...

def _allocator_options() -> list[tuple[str, int]]:
    """The extension allocator's page-reclaim option and its neighbours, by name (for the tests)."""
    ...

def lease_expiry(ttl: float, now: datetime.datetime | str | None = None) -> datetime.datetime:
    """When a lease taken now (or at ``now``) for ``ttl`` seconds lapses."""

def validate(
    rows: _Rows,
    **keywords: Unpack[_ContextKeywords],
) -> Report:
    """Validates rows as they are; every finding at once, as data. ``rules`` sets a rule's
    severity by its code; ``time_zone`` (an IANA name, an offset or ``"local"``, the default)
    says which day ``today`` is when it is not given."""

def prepare(
    rows: _Rows,
    **keywords: Unpack[_PrepareKeywords],
) -> Normalised:
    """Normalises and validates rows (``normalise`` is its deprecated alias)."""

normalise = prepare

def validate_file(
    source: str | os.PathLike[str] | bytes,
    *,
    format: str = "auto",
    max_findings: int | None = ...,
    **keywords: Unpack[_ContextKeywords],
) -> Report:
    """Reads a CSV or JSON file and validates its rows as they are. A file given by its path (CSV,
    or JSON: a push body or an array of transactions) streams: memory stays bounded by the ids
    kept for the duplicate check (about 30 MB for a million rows), whatever the file's size;
    bytes are read whole. The findings are the same, except that a streamed file's report lists
    the first ``max_findings`` of each code (default 1,000; ``None``: all) and counts the rest in
    ``Report.omitted`` (``error_count``, ``warning_count`` and ``is_valid`` count them too)."""

def prepare_file(
    source: str | os.PathLike[str] | bytes,
    *,
    format: str = "auto",
    **keywords: Unpack[_PrepareKeywords],
) -> Normalised:
    """Reads a CSV or JSON file, normalises and validates it (``normalise_file`` is its
    deprecated alias)."""

normalise_file = prepare_file

def stream_file(
    source: str | os.PathLike[str],
    *,
    format: str = "auto",
    max_findings: int | None = ...,
    **keywords: Unpack[_PrepareKeywords],
) -> StreamedFile:
    """Reads a CSV or JSON file by its path as it streams, normalised and validated as
    ``prepare_file()`` does (the same findings and changes), holding about a row and each id's
    hash instead of every row; ``StreamedFile.push_bodies()`` then gives its push bodies one at
    a time. The report lists the first ``max_findings`` findings of each code and the first
    ``max_findings`` changes of each kind (``None``: all), counting the rest
    (``Report.omitted``, ``StreamedFile.changes_omitted``). ``strict=True`` raises
    ``ValidationError`` when any finding is an error."""

def fill_balances(
    rows: _Rows, *, opening: _AmountLike | None = None, closing: _AmountLike | None = None
) -> Balanced:
    """Sets every balance from one end of the chain: forward from ``opening`` or backward from
    ``closing`` (give one)."""

def error_codes() -> list[str]:
    """The codes of the core's table of error kinds: every ``BankFeedsError``'s ``code``."""

def fill_forward(rows: _Rows, opening: _AmountLike) -> Balanced:
    """Deprecated: ``fill_balances(rows, opening=...)``."""

def fill_backward(rows: _Rows, closing: _AmountLike) -> Balanced:
    """Deprecated: ``fill_balances(rows, closing=...)``."""

def verify_balances(rows: _Rows, opening: _AmountLike | None = None) -> ChainReport:
    """Checks each balance against the previous balance plus the amount."""

verify = verify_balances

def batches(rows: _Rows, size: int = 1000) -> list[Transactions]:
    """Consecutive batches of at most ``size`` transactions."""

def push_bodies(account_id: str, rows: _Rows, size: int = 1000) -> list[PushBody]:
    """Push bodies for one account."""

def validate_push(
    body: PushBody | Mapping[str, Any],
    **keywords: Unpack[_ContextKeywords],
) -> Report:
    """Validates one push body as it would be sent."""

def validate_account(account: _AccountLike, *, platform: str = "generic") -> Report:
    """Checks a source account's own rules (sort code, currency, account type)."""

def profile(name: str) -> Profile:
    """A platform's rules."""

def platforms() -> list[str]:
    """The short names of every platform."""

def codes() -> list[tuple[str, str]]:
    """Every finding code with its default severity."""

def _panic_for_tests(detached: bool) -> None: ...
def _panicking_bodies_for_tests(before: int) -> PushBodyIterator: ...
def _verify_webhook(
    secret: str,
    headers: Iterable[tuple[str, str]],
    body: bytes,
    tolerance: int,
    now: int | None = None,
) -> dict[str, Any]: ...
