"""Typed models of Codat's wire types, as ``bankfeeds.Client`` answers them.

Every model is a frozen dataclass: attributes are typed, money is ``decimal.Decimal`` (digit for
digit, never through a float), date-times are aware UTC ``datetime`` objects (read by the Rust
core: an offset is applied, a value without one is UTC, a plain date is its midnight), and values
Codat lists are str-valued enums that keep a value they do not list readable instead of failing.

``Model.from_dict(wire)`` reads the wire dict (Codat's JSON with camelCase keys; amounts as
``Decimal``, ``int`` or ``str``; date-times as ISO text or aware ``datetime``) and ``to_dict()``
writes it back: ``Model.from_dict(m.to_dict()) == m``, and a model read from wire JSON gives back
the same JSON values, amounts digit for digit and date-times in the text they came in. Keys the
model does not know are kept in ``extra`` and written back too. A value that cannot be read raises
``ModelError`` naming the field. ``repr`` never shows secrets (tokens, passwords, one-time
passwords, link URLs carrying one).

Models are read by one table-driven converter: each dataclass field's annotation says how its
wire value is read and written (``Decimal``, ``datetime``, an enum, a nested model, a tuple or a
mapping of them); the wire name is the camelCase of the attribute unless the field says otherwise.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import enum
import json
import sys
import typing
from datetime import datetime, timezone
from decimal import Decimal
from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Dict, Generic, Mapping, Optional, Tuple, Type, TypeVar, Union

from bankfeeds._bankfeeds import _read_timestamp

__all__ = [
    "AccountInfo",
    "AccountMapping",
    "AccountMappingRequest",
    "AccountMappingResult",
    "BankAccount",
    "BankAccountCredentials",
    "BankAccountMetadata",
    "BankAccountStatus",
    "BankAccountType",
    "Company",
    "CompanyAccessToken",
    "CompanyInformation",
    "CompanyReference",
    "CompanyReferenceLinks",
    "CompanyRequest",
    "CompanyUpdate",
    "Connection",
    "ConnectionStatus",
    "DataConnectionError",
    "DataConnectionErrorStatus",
    "Model",
    "ModelError",
    "Otp",
    "Page",
    "PushChangeType",
    "PushFieldValidation",
    "PushOperation",
    "PushOperationChange",
    "PushOperationRef",
    "PushOperationStatus",
    "PushOption",
    "PushOptionChoice",
    "PushOptionProperty",
    "PushValidationInfo",
    "PushedBatch",
    "RoutingInfo",
    "SourceAccount",
    "SourceAccountBatch",
    "SourceAccountBatchItem",
    "SourceAccountBatchResult",
    "SourceAccountStatus",
    "SourceType",
    "SyncStarted",
    "SyncStatus",
    "SyncStatusResult",
    "TargetAccountOption",
    "Validation",
    "ValidationItem",
    "WireEnum",
]


class ModelError(ValueError):
    """A wire value that cannot be read as its field's type; the message names the field."""


# ---- enums ------------------------------------------------------------------------------------


class WireEnum(str, enum.Enum):
    """A value Codat lists. A value it does not list (a newer API) is kept, readable, as a member
    outside the listed ones: ``str(v)`` and ``v.value`` give it, and it compares equal to its text."""

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if not isinstance(value, str):
            return None
        member = str.__new__(cls, value)
        member._name_ = value
        member._value_ = value
        return member

    def __str__(self) -> str:
        return str(self.value)


class ConnectionStatus(WireEnum):
    PENDING_AUTH = "PendingAuth"
    LINKED = "Linked"
    UNLINKED = "Unlinked"
    DEAUTHORIZED = "Deauthorized"


class SourceType(WireEnum):
    ACCOUNTING = "Accounting"
    BANKING = "Banking"
    BANK_FEED = "BankFeed"
    COMMERCE = "Commerce"
    EXPENSE = "Expense"
    OTHER = "Other"
    UNKNOWN = "Unknown"


class DataConnectionErrorStatus(WireEnum):
    ACTIVE = "Active"
    RESOLVED = "Resolved"


class SourceAccountStatus(WireEnum):
    PENDING = "pending"
    CONNECTED = "connected"
    CONNECTING = "connecting"
    DISCONNECTED = "disconnected"
    UNKNOWN = "unknown"


class BankAccountType(WireEnum):
    UNKNOWN = "Unknown"
    CREDIT = "Credit"
    DEBIT = "Debit"


class BankAccountStatus(WireEnum):
    UNKNOWN = "Unknown"
    ACTIVE = "Active"
    ARCHIVED = "Archived"
    PENDING = "Pending"


class PushOperationStatus(WireEnum):
    PENDING = "Pending"
    FAILED = "Failed"
    SUCCESS = "Success"
    TIMED_OUT = "TimedOut"


class PushChangeType(WireEnum):
    UNKNOWN = "Unknown"
    CREATED = "Created"
    MODIFIED = "Modified"
    DELETED = "Deleted"
    ATTACHMENT_UPLOADED = "AttachmentUploaded"


class SyncStatus(WireEnum):
    STARTED = "Started"
    FAILED = "Failed"
    SUCCESS_DATA_PUSHED = "SuccessDataPushed"
    SUCCESS_NO_DATA_PUSHED = "SuccessNoDataPushed"
    PARTIAL_SUCCESS_DATA_PUSHED = "PartialSuccessDataPushed"


# ---- the converter ----------------------------------------------------------------------------

_Read = Callable[[Any, str], Any]
_Write = Callable[[Any], Any]


class _WireDateTime(datetime):
    """A date-time read from wire text, which ``to_dict`` writes back as it came."""

    wire: str

    def __repr__(self) -> str:
        shown = datetime.__repr__(self)
        return "datetime.datetime" + shown[shown.index("(") :]


def _read_datetime(v: Any, path: str) -> datetime:
    if isinstance(v, datetime):
        if v.utcoffset() is None:
            raise ModelError(f"{path}: {v!r} is a naive datetime; give an aware one (UTC)")
        return v
    if not isinstance(v, str):
        raise ModelError(f"{path}: expected an ISO 8601 date-time, not {type(v).__name__}")
    try:
        dt = _read_timestamp(v)
    except ValueError as e:
        raise ModelError(f"{path}: {v!r} is not a date-time: {e}") from None
    kept = _WireDateTime(
        dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second, dt.microsecond, dt.tzinfo
    )
    kept.wire = v
    return kept


def _write_datetime(v: datetime) -> str:
    if isinstance(v, _WireDateTime):
        return v.wire
    utc = v.astimezone(timezone.utc)
    text = utc.strftime("%Y-%m-%dT%H:%M:%S")
    if utc.microsecond:
        text += f".{utc.microsecond:06d}".rstrip("0")
    return text + "Z"


def _read_decimal(v: Any, path: str) -> Decimal:
    if isinstance(v, bool) or isinstance(v, float):
        raise ModelError(
            f"{path}: an amount must be a Decimal, int or str, not {type(v).__name__} "
            "(read JSON with parse_float=decimal.Decimal so no digit is lost)"
        )
    if isinstance(v, Decimal):
        if not v.is_finite():
            raise ModelError(f"{path}: {v} is not an amount")
        return v
    if isinstance(v, int):
        return Decimal(v)
    if isinstance(v, str):
        try:
            d = Decimal(v)
        except ArithmeticError:
            raise ModelError(f"{path}: {v!r} is not an amount") from None
        if not d.is_finite():
            raise ModelError(f"{path}: {v!r} is not an amount")
        return d
    raise ModelError(f"{path}: an amount must be a Decimal, int or str, not {type(v).__name__}")


def _plain(kind: type) -> _Read:
    def read(v: Any, path: str) -> Any:
        if not isinstance(v, kind) or (kind is int and isinstance(v, bool)):
            raise ModelError(f"{path}: expected {kind.__name__}, not {type(v).__name__}")
        return v

    return read


def _same(v: Any) -> Any:
    return v


def _codec(tp: Any) -> Tuple[_Read, _Write]:
    """How a value of annotation ``tp`` is read from the wire and written back."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is typing.Union:
        inner = [a for a in args if a is not type(None)]
        if len(inner) == 1:
            read, write = _codec(inner[0])
            return (lambda v, p: None if v is None else read(v, p)), (
                lambda v: None if v is None else write(v)
            )
    if origin is tuple:
        read_item, write_item = _codec(args[0])

        def read_list(v: Any, path: str) -> Any:
            if not isinstance(v, (list, tuple)):
                raise ModelError(f"{path}: expected a list, not {type(v).__name__}")
            return tuple(read_item(x, f"{path}[{i}]") for i, x in enumerate(v))

        return read_list, lambda v: [write_item(x) for x in v]
    if origin in (dict, collections.abc.Mapping):
        read_value, write_value = _codec(args[1])

        def read_map(v: Any, path: str) -> Any:
            if not isinstance(v, Mapping):
                raise ModelError(f"{path}: expected an object, not {type(v).__name__}")
            return {str(k): read_value(x, f"{path}.{k}") for k, x in v.items()}

        return read_map, lambda v: {k: write_value(x) for k, x in v.items()}
    if tp is Decimal:
        return _read_decimal, _same
    if tp is datetime:
        return _read_datetime, _write_datetime
    if isinstance(tp, type) and issubclass(tp, WireEnum):
        enum_type = tp

        def read_enum(v: Any, path: str) -> Any:
            if not isinstance(v, str):
                raise ModelError(f"{path}: expected text, not {type(v).__name__}")
            return enum_type(v)

        return read_enum, lambda v: v.value
    if isinstance(tp, type) and issubclass(tp, Model):
        model = tp
        return (lambda v, p: model._read(v, p)), (lambda v: v.to_dict())
    if tp in (str, int, bool):
        return _plain(tp), _same
    # Any (free-form wire data) and unions of plain values: as Codat sent them.
    return (lambda v, p: v), _same


@dataclasses.dataclass(frozen=True)
class _Field:
    name: str
    wire: str
    read: _Read
    write: _Write
    secret: bool


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


M = TypeVar("M", bound="Model")
T = TypeVar("T")


class Model:
    """A wire model: ``from_dict``, ``to_dict``, equality, and a ``repr`` without secrets."""

    _fields: ClassVar[Tuple[_Field, ...]]
    _wire_names: ClassVar[frozenset[str]]
    extra: Mapping[str, Any]

    @classmethod
    def _table(cls) -> Tuple[_Field, ...]:
        table = cls.__dict__.get("_fields")
        if table is None:
            hints = typing.get_type_hints(cls, vars(sys.modules[__name__]))
            built = []
            for f in dataclasses.fields(cls):  # type: ignore[arg-type]
                if f.name == "extra":
                    continue
                read, write = _codec(hints[f.name])
                wire = f.metadata.get("wire", _camel(f.name))
                built.append(_Field(f.name, wire, read, write, bool(f.metadata.get("secret"))))
            table = tuple(built)
            cls._fields = table
            cls._wire_names = frozenset(f.wire for f in table)
        return table

    @classmethod
    def from_dict(cls: Type[M], wire: Mapping[str, Any]) -> M:
        """The model of a wire dict (camelCase keys, as Codat's JSON)."""
        return cls._read(wire, cls.__name__)

    @classmethod
    def _read(cls: Type[M], wire: Any, path: str) -> M:
        if not isinstance(wire, Mapping):
            raise ModelError(f"{path}: expected an object, not {type(wire).__name__}")
        values: Dict[str, Any] = {}
        for f in cls._table():
            if f.wire in wire:
                values[f.name] = f.read(wire[f.wire], f"{path}.{f.wire}")
        missing = [
            f.name
            for f in dataclasses.fields(cls)  # type: ignore[arg-type]
            if f.name not in values
            and f.name != "extra"
            and f.default is dataclasses.MISSING
            and f.default_factory is dataclasses.MISSING
        ]
        if missing:
            raise ModelError(f"{path}: missing {', '.join(_camel(m) for m in missing)}")
        extra = {k: v for k, v in wire.items() if k not in cls._wire_names}
        made: M = typing.cast(Any, cls)(**values, extra=extra)
        return made

    def to_dict(self) -> Dict[str, Any]:
        """The wire dict: camelCase keys, amounts as ``Decimal``, date-times as ISO text; fields
        that are ``None`` are left out, as Codat leaves them out."""
        out: Dict[str, Any] = {}
        for f in self._table():
            v = getattr(self, f.name)
            if v is not None:
                out[f.wire] = f.write(v)
        out.update(self.extra)
        return out

    def __repr__(self) -> str:
        shown = []
        for f in self._table():
            v = getattr(self, f.name)
            if v is None:
                continue
            shown.append(f"{f.name}='***'" if f.secret else f"{f.name}={v!r}")
        if self.extra:
            shown.append(f"extra={dict(self.extra)!r}")
        return f"{type(self).__name__}({', '.join(shown)})"


def _opt(**meta: Any) -> Any:
    return dataclasses.field(default=None, metadata=meta)


def _secret() -> Any:
    return dataclasses.field(metadata={"secret": True})


def _extra() -> Any:
    return dataclasses.field(default_factory=dict, repr=False)





def _from_json(name: str, text: str) -> Any:
    """What ``Client`` answers: wire JSON from the core, as model ``name`` (a list of them for a
    JSON array, ``None`` for null)."""
    wire = json.loads(text, parse_float=Decimal)
    model: Type[Model] = globals()[name]
    if wire is None:
        return None
    if isinstance(wire, list):
        return [model._read(w, f"{name}[{i}]") for i, w in enumerate(wire)]
    return model.from_dict(wire)


def _page(name: str, text: str) -> Page[Any]:
    """One page of wire JSON from the core, its results as model ``name``."""
    wire = json.loads(text, parse_float=Decimal)
    model: Type[Model] = globals()[name]
    results = tuple(model._read(w, f"{name}[{i}]") for i, w in enumerate(wire.get("results", [])))
    return Page(
        results=results,
        page_number=wire["pageNumber"],
        page_size=wire["pageSize"],
        total_results=wire["totalResults"],
        links=wire.get("_links", {}),
    )


def _to_wire(value: Any) -> Any:
    """A request body as the core reads it: a model (or a list of models) as its wire dict,
    anything else as given."""
    if isinstance(value, Model):
        return value.to_dict()
    if isinstance(value, (list, tuple)) and any(isinstance(v, Model) for v in value):
        return [_to_wire(v) for v in value]
    return value


# ---- pages ------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a paged list, with Codat's totals."""

    results: Tuple[T, ...]
    page_number: int
    page_size: int
    total_results: int
    links: Mapping[str, Any] = dataclasses.field(default_factory=dict, repr=False)


# ---- companies --------------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class CompanyReferenceLinks(Model):
    portal: Optional[str] = None
    extra: Mapping[str, Any] = _extra()


@dataclass(frozen=True, repr=False)
class CompanyReference(Model):
    id: Optional[str] = None
    name: Optional[str] = None
    description: Optional[str] = None
    links: Optional[CompanyReferenceLinks] = None
    tags: Optional[Mapping[str, str]] = None
    extra: Mapping[str, Any] = _extra()


@dataclass(frozen=True, repr=False)
class DataConnectionError(Model):
    status_code: Optional[str] = None
    status_text: Optional[str] = None
    error_message: Optional[str] = None
    errored_on_utc: Optional[datetime] = None
    status: Optional[DataConnectionErrorStatus] = None
    resolved_on_utc: Optional[datetime] = None
    extra: Mapping[str, Any] = _extra()


@dataclass(frozen=True, repr=False)
class Connection(Model):
    """A data connection (``Connection``). ``link_url`` carries a password: ``repr`` hides it."""

    id: str
    integration_id: str
    source_id: str
    source_type: SourceType
    platform_name: str
    status: ConnectionStatus
    created: datetime
    link_url: str = _secret()
    integration_key: Optional[str] = None
    last_sync: Optional[datetime] = None
    data_connection_errors: Optional[Tuple[DataConnectionError, ...]] = None
    connection_info: Optional[Mapping[str, Any]] = None
    extra: Mapping[str, Any] = _extra()


@dataclass(frozen=True, repr=False)
class Company(Model):
    id: str
    name: str
    redirect: str
    description: Optional[str] = None
    last_sync: Optional[datetime] = None
    created: Optional[datetime] = None
    created_by_user_name: Optional[str] = None
    products: Optional[Tuple[str, ...]] = None
    tags: Optional[Mapping[str, str]] = None
    reference_parent_company: Optional[CompanyReference] = None
    reference_subsidiary_companies: Optional[Tuple[CompanyReference, ...]] = None
    data_connections: Optional[Tuple[Connection, ...]] = None
    extra: Mapping[str, Any] = _extra()


@dataclass(frozen=True, repr=False)
class CompanyRequest(Model):
    """The body of ``create_company`` and ``replace_company``."""

    name: str
    description: Optional[str] = None
    tags: Optional[Mapping[str, str]] = None
    extra: Mapping[str, Any] = _extra()


@dataclass(frozen=True, repr=False)
class CompanyUpdate(Model):
    """The body of ``update_company``: only the fields given change."""

    name: Optional[str] = None
    description: Optional[str] = None
    tags: Optional[Mapping[str, str]] = None
    extra: Mapping[str, Any] = _extra()


@dataclass(frozen=True, repr=False)
class CompanyAccessToken(Model):
    """A company access token; ``repr`` hides the token."""

    expires_in: int
    token_type: str
    access_token: str = _secret()
    extra: Mapping[str, Any] = _extra()


@dataclass(frozen=True, repr=False)
class CompanyInformation(Model):
    company_name: Optional[str] = None
    base_currency: Optional[str] = None
    plan_type: Optional[str] = None
    multicurrency_enabled: Optional[bool] = None
    currencies: Optional[Tuple[str, ...]] = None
    extra: Mapping[str, Any] = _extra()


# ---- source accounts --------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class RoutingInfo(Model):
    bank_code: Optional[str] = None
    type: Optional[str] = None
    extra: Mapping[str, Any] = _extra()


@dataclass(frozen=True, repr=False)
class AccountInfo(Model):
    description: Optional[str] = None
    nickname: Optional[str] = None
    account_open_date: Optional[datetime] = None
    available_balance: Optional[Decimal] = None
    extra: Mapping[str, Any] = _extra()


@dataclass(frozen=True, repr=False)
class SourceAccount(Model):
    """A source account, v1 or v2 shape (v2 has ``routing_info`` and ``account_info`` and
    account types such as ``checking``); also the body of ``create_source_account``."""

    id: str
    account_name: Optional[str] = None
    account_type: Optional[str] = None
    account_number: Optional[str] = None
    sort_code: Optional[str] = None
    routing_info: Optional[RoutingInfo] = None
    currency: Optional[str] = None
    balance: Optional[Decimal] = None
    account_info: Optional[AccountInfo] = None
    modified_date: Optional[datetime] = None
    status: Optional[SourceAccountStatus] = None
    feed_start_date: Optional[datetime] = None
    extra: Mapping[str, Any] = _extra()


@dataclass(frozen=True, repr=False)
class SourceAccountBatchResult(Model):
    """One account's outcome in a batch: its HTTP status (a number, or the text Codat gives for
    a refused account), the error, and the account as created."""

    status_code: Optional[Union[int, str]] = None
    error: Optional[str] = None
    account: Optional[SourceAccount] = None
    extra: Mapping[str, Any] = _extra()


@dataclass(frozen=True, repr=False)
class SourceAccountBatchItem(Model):
    source_account_id: Optional[str] = None
    result: Optional[SourceAccountBatchResult] = None
    extra: Mapping[str, Any] = _extra()


@dataclass(frozen=True, repr=False)
class SourceAccountBatch(Model):
    """What ``create_source_accounts`` answers: ``status`` (201 all, 207 some, 409 none) and one
    result per account."""

    status: int
    items: Tuple[SourceAccountBatchItem, ...] = ()
    extra: Mapping[str, Any] = _extra()


@dataclass(frozen=True, repr=False)
class BankAccountCredentials(Model):
    """Bank feed credentials; ``repr`` hides the password."""

    username: Optional[str] = None
    password: Optional[str] = _opt(secret=True)
    extra: Mapping[str, Any] = _extra()


@dataclass(frozen=True, repr=False)
class Otp(Model):
    """A one-time password for the customer; ``repr`` hides it."""

    expiry: datetime
    otp: str = _secret()
    extra: Mapping[str, Any] = _extra()


# ---- account mapping --------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class TargetAccountOption(Model):
    id: Optional[str] = None
    name: Optional[str] = None
    balance: Optional[Decimal] = None
    sort_code: Optional[str] = None
    account_number: Optional[str] = None
    extra: Mapping[str, Any] = _extra()


@dataclass(frozen=True, repr=False)
class AccountMapping(Model):
    """A source account with its target and the target options (``BankFeedMapping``)."""

    source_account_id: Optional[str] = None
    source_account_name: Optional[str] = None
    source_account_number: Optional[str] = None
    source_balance: Optional[Decimal] = None
    source_currency: Optional[str] = None
    target_account_id: Optional[str] = None
    target_account_name: Optional[str] = None
    status: Optional[str] = None
    target_account_options: Optional[Tuple[TargetAccountOption, ...]] = None
    feed_start_date: Optional[datetime] = None
    extra: Mapping[str, Any] = _extra()


@dataclass(frozen=True, repr=False)
class AccountMappingRequest(Model):
    """The body of ``create_account_mapping``."""

    source_account_id: str
    target_account_id: Optional[str] = None
    feed_start_date: Optional[datetime] = None
    extra: Mapping[str, Any] = _extra()


@dataclass(frozen=True, repr=False)
class AccountMappingResult(Model):
    """What ``create_account_mapping`` answers; check ``status``: Codat may answer ``Failed``."""

    source_account_id: Optional[str] = None
    target_account_id: Optional[str] = None
    status: Optional[str] = None
    error: Optional[str] = None
    extra: Mapping[str, Any] = _extra()


# ---- target bank accounts ---------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class BankAccountMetadata(Model):
    is_deleted: Optional[bool] = None
    extra: Mapping[str, Any] = _extra()


@dataclass(frozen=True, repr=False)
class BankAccount(Model):
    """A bank account in the accounting platform; also the body of ``create_bank_account``."""

    id: Optional[str] = None
    account_name: Optional[str] = None
    account_type: Optional[BankAccountType] = None
    nominal_code: Optional[str] = None
    sort_code: Optional[str] = None
    account_number: Optional[str] = None
    iban: Optional[str] = _opt(wire="iBan")
    currency: Optional[str] = None
    balance: Optional[Decimal] = None
    institution: Optional[str] = None
    available_balance: Optional[Decimal] = None
    overdraft_limit: Optional[Decimal] = None
    status: Optional[BankAccountStatus] = None
    metadata: Optional[BankAccountMetadata] = None
    supplemental_data: Optional[Mapping[str, Any]] = None
    modified_date: Optional[datetime] = None
    source_modified_date: Optional[datetime] = None
    extra: Mapping[str, Any] = _extra()


# ---- push operations --------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class PushOperationRef(Model):
    id: Optional[str] = None
    data_type: Optional[str] = None
    extra: Mapping[str, Any] = _extra()


@dataclass(frozen=True, repr=False)
class PushOperationChange(Model):
    type: Optional[PushChangeType] = None
    record_ref: Optional[PushOperationRef] = None
    attachment_id: Optional[str] = None
    extra: Mapping[str, Any] = _extra()


@dataclass(frozen=True, repr=False)
class ValidationItem(Model):
    item_id: Optional[str] = None
    message: Optional[str] = None
    validator_name: Optional[str] = None
    extra: Mapping[str, Any] = _extra()


@dataclass(frozen=True, repr=False)
class Validation(Model):
    errors: Optional[Tuple[ValidationItem, ...]] = None
    warnings: Optional[Tuple[ValidationItem, ...]] = None
    extra: Mapping[str, Any] = _extra()


@dataclass(frozen=True, repr=False)
class PushOperation(Model):
    """A push operation. ``data`` (what was pushed, when Codat gives it) is the wire data as
    sent, amounts as ``Decimal``."""

    company_id: str
    push_operation_key: str
    data_connection_key: str
    requested_on_utc: datetime
    status: PushOperationStatus
    status_code: int
    completed_on_utc: Optional[datetime] = None
    data_type: Optional[str] = None
    timeout_in_minutes: Optional[int] = None
    timeout_in_seconds: Optional[int] = None
    error_message: Optional[str] = None
    validation: Optional[Validation] = None
    changes: Optional[Tuple[PushOperationChange, ...]] = None
    data: Any = None
    extra: Mapping[str, Any] = _extra()


@dataclass(frozen=True, repr=False)
class PushedBatch(Model):
    """What ``push_batch`` answers: the operation, whether it was found after an unknown outcome
    rather than sent again, and how many sends it took."""

    operation: PushOperation
    recovered: bool
    attempts: int
    extra: Mapping[str, Any] = _extra()


@dataclass(frozen=True, repr=False)
class PushFieldValidation(Model):
    details: str
    field: Optional[str] = None
    ref: Optional[str] = None
    extra: Mapping[str, Any] = _extra()


@dataclass(frozen=True, repr=False)
class PushValidationInfo(Model):
    warnings: Optional[Tuple[PushFieldValidation, ...]] = None
    information: Optional[Tuple[PushFieldValidation, ...]] = None
    extra: Mapping[str, Any] = _extra()


@dataclass(frozen=True, repr=False)
class PushOptionChoice(Model):
    value: Optional[str] = None
    type: Optional[str] = None
    display_name: Optional[str] = None
    description: Optional[str] = None
    required: Optional[bool] = None
    extra: Mapping[str, Any] = _extra()


@dataclass(frozen=True, repr=False)
class PushOptionProperty(Model):
    type: str
    display_name: str
    description: str
    required: bool
    properties: Optional[Mapping[str, PushOptionProperty]] = None
    options: Optional[Tuple[PushOptionChoice, ...]] = None
    validation: Optional[PushValidationInfo] = None
    extra: Mapping[str, Any] = _extra()


@dataclass(frozen=True, repr=False)
class PushOption(Model):
    """What creating a record takes on a platform (``get_create_*_model``)."""

    type: str
    display_name: str
    required: bool
    description: Optional[str] = None
    properties: Optional[Mapping[str, PushOptionProperty]] = None
    options: Optional[Tuple[PushOptionChoice, ...]] = None
    validation: Optional[PushValidationInfo] = None
    extra: Mapping[str, Any] = _extra()


# ---- managed bank feeds -----------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class SyncStarted(Model):
    sync_id: str
    extra: Mapping[str, Any] = _extra()


@dataclass(frozen=True, repr=False)
class SyncStatusResult(Model):
    sync_id: str
    client_id: str
    company_id: str
    company_name: str
    data_connection_id: str
    source_account_id: str
    period_start_utc: datetime
    period_end_utc: datetime
    execution_start_utc: datetime
    status: SyncStatus
    execution_end_utc: Optional[datetime] = None
    error_message: Optional[str] = None
    error_code: Optional[str] = None
    push_operation_keys: Optional[Tuple[str, ...]] = None
    extra: Mapping[str, Any] = _extra()
