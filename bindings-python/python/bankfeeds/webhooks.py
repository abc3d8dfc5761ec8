"""Codat's webhooks, checked and parsed by the Rust core: the same verdict as in Rust, Node,
Kotlin and ``bankfeeds webhooks listen``.

::

    import bankfeeds
    from bankfeeds import webhooks

    def receive(headers, raw_body: bytes) -> int:          # your framework's handler
        try:
            event = webhooks.verify(SECRET, headers, raw_body)
        except bankfeeds.WebhookError as e:
            return e.status                                # 401, 400 or 500; e.code says why
        if already_handled(event.message_id):              # a redelivery keeps its id
            return 204
        if isinstance(event, webhooks.PushOperationEvent):
            mark_done(event.operation_key, event.status)   # "Success", "Failed", "TimedOut"
        return 204

``verify`` checks, in the core and in this order: the secret (``whsec_`` and base64:
``invalid_secret``), the ``svix-id``, ``svix-timestamp`` and ``svix-signature`` headers or the
same with ``webhook-`` (``missing_header``), the timestamp (``invalid_timestamp``) within
``tolerance`` seconds of now either way (``expired``), one ``v1`` signature over the raw body,
compared in constant time (``invalid_signature``), then the body as a webhook event
(``invalid_body``). A refusal raises ``bankfeeds.WebhookError`` with that ``code`` and the HTTP
``status`` to answer.

The event is one of four classes, by what it is about (``kind``): ``PushOperationEvent``
(``bankTransactions.write.successful`` / ``.unsuccessful``, any ``{dataType}.write.*``, and the
legacy "Push Operation Status Changed" alert), ``SourceAccountEvent``
(``bankFeeds.sourceAccount.connected`` / ``.disconnected``), ``RateLimitEvent``
(``client.rateLimit.reached`` / ``.reset``) and ``OtherEvent`` (anything else, with its type and
body). All of them are ``WebhookEvent``s.
"""

from __future__ import annotations

import datetime
import decimal
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Optional, Protocol, Union

from bankfeeds import _bankfeeds
from bankfeeds._errors import ConfigurationError, WebhookError

__all__ = [
    "DEFAULT_TOLERANCE",
    "WEBHOOK_ERROR_CODES",
    "OtherEvent",
    "PushOperationEvent",
    "RateLimitEvent",
    "SourceAccountEvent",
    "WebhookError",
    "WebhookEvent",
    "verify",
]

#: How far a delivery's signed time may be from now, either way, in seconds (Codat's 5 minutes).
DEFAULT_TOLERANCE = 300

#: Every ``WebhookError.code``, in the order the checks run.
WEBHOOK_ERROR_CODES: tuple[str, ...] = (
    "invalid_secret",
    "missing_header",
    "invalid_timestamp",
    "expired",
    "invalid_signature",
    "invalid_body",
)

Kind = Literal["push_operation", "source_account", "rate_limit", "other"]


class _HeaderGetter(Protocol):
    def get(self, name: str, /) -> Any: ...


class _HeaderItems(Protocol):
    def items(self) -> Iterable[tuple[Any, Any]]: ...


#: What ``verify`` takes as headers: a mapping (``dict``, ``http.server``'s ``self.headers``,
#: Starlette's ``request.headers``, Flask's, Django's ``request.headers``, aiohttp's...),
#: anything with ``items()`` or ``get()``, or ``(name, value)`` pairs (an ASGI scope's
#: ``headers``). Names in any case; values ``str`` or ``bytes``, or a list of them (joined by a
#: space).
HeadersLike = Union[Mapping[str, Any], _HeaderItems, _HeaderGetter, Iterable[tuple[Any, Any]]]

#: What ``verify`` takes as the body: the raw bytes received (``bytes``, ``bytearray``,
#: ``memoryview``), or the body's text exactly as received (encoded as UTF-8).
BodyLike = Union[bytes, bytearray, memoryview, str]

_NAMES = (
    "svix-id",
    "svix-timestamp",
    "svix-signature",
    "webhook-id",
    "webhook-timestamp",
    "webhook-signature",
)


@dataclass(frozen=True)
class WebhookEvent:
    """A verified delivery: what every event has.

    ``message_id`` (``svix-id``) is the same on every redelivery of a message: handle each once
    by it. ``timestamp`` is when this delivery was signed (aware, UTC; a redelivery has a later
    one). ``event_type`` is ``eventType`` (or a legacy alert's rule type), ``company_id`` the
    company the event names, ``body`` the body parsed from the verified bytes (numbers with a
    fraction as ``decimal.Decimal``, never ``float``) and ``raw_body`` its text.
    """

    message_id: str
    timestamp: datetime.datetime
    kind: Kind
    event_type: Optional[str]
    company_id: Optional[str]
    body: Any
    raw_body: str


@dataclass(frozen=True)
class PushOperationEvent(WebhookEvent):
    """A push operation ended (``{dataType}.write.successful`` / ``.unsuccessful``) or changed
    (the legacy "Push Operation Status Changed" alert): stop polling it.

    ``status`` is ``"Success"``, ``"Failed"`` or ``"TimedOut"`` (the legacy alert may also say
    ``"Pending"``), ``data_type`` what was pushed (``"bankTransactions"`` for a bank feed) and
    ``connection_id`` the connection, when the event says."""

    operation_key: str
    status: str
    data_type: Optional[str]
    connection_id: Optional[str]

    @property
    def succeeded(self) -> bool:
        """Whether the push operation ended ``Success``."""
        return self.status == "Success"


@dataclass(frozen=True)
class SourceAccountEvent(WebhookEvent):
    """A source account was connected to a target account (the customer mapped it:
    ``connected`` is true) or disconnected. ``account_id``, ``account_status`` (``"pending"``,
    ``"connected"``...) and ``connection_id`` as the event gives them; the whole account is in
    ``body["payload"]["sourceAccount"]``."""

    connected: bool
    account_id: Optional[str]
    account_status: Optional[str]
    connection_id: Optional[str]


@dataclass(frozen=True)
class RateLimitEvent(WebhookEvent):
    """Your client's daily quota was reached (``reached`` is true) or reset. ``expiry_date`` is
    as Codat wrote it (ISO 8601 text: Codat's own example is not a valid date)."""

    reached: bool
    daily_quota: Optional[int]
    quota_remaining: Optional[int]
    expiry_date: Optional[str]


@dataclass(frozen=True)
class OtherEvent(WebhookEvent):
    """Any other event (other legacy alerts, events this version does not know): its
    ``event_type`` and ``body`` say what it is."""


def verify(
    secret: Optional[str],
    headers: HeadersLike,
    body: BodyLike,
    *,
    tolerance: Union[int, datetime.timedelta] = DEFAULT_TOLERANCE,
    now: Union[datetime.datetime, int, float, None] = None,
) -> WebhookEvent:
    """Checks a webhook delivery from Codat and returns its event, or raises
    ``bankfeeds.WebhookError`` (``code``, ``status``) when it must be refused.

    ``secret`` is the endpoint's signing secret (``whsec_...``; ``None``, as an unset environment
    variable gives, is refused as ``invalid_secret``). ``headers`` are the request's headers (see
    ``HeadersLike``), ``body`` the raw body exactly as received: ``bytes`` (best: Flask's
    ``request.get_data()``, Starlette's ``await request.body()``, Django's ``request.body``) or its
    text, never JSON parsed and serialised again (that is not what was signed). ``tolerance`` is
    how far the signed time may be from now, either way (seconds or a ``timedelta``; default
    300), ``now`` the time to check against (an aware ``datetime`` or Unix seconds; default: the
    clock).

    Raises ``TypeError`` for an argument of the wrong type and ``bankfeeds.ConfigurationError``
    for an unusable ``tolerance`` or ``now``.
    """
    if secret is None:
        raise WebhookError(
            "no webhook signing secret (None): set the endpoint's whsec_... secret",
            code="invalid_secret",
            status=500,
        )
    if not isinstance(secret, str):
        raise TypeError(f"secret must be the signing secret as str (whsec_...), not {type(secret).__name__}")
    fields = _bankfeeds._verify_webhook(
        secret, _pairs(headers), _bytes(body), _seconds(tolerance), _unix(now)
    )
    return _event(fields)


def _event(f: dict[str, Any]) -> WebhookEvent:
    """The event class for the core's fields."""
    raw: str = f["body"]
    common: dict[str, Any] = {
        "message_id": f["message_id"],
        "timestamp": _utc(f["timestamp"]),
        "kind": f["kind"],
        "event_type": f["event_type"],
        "company_id": f["company_id"],
        "body": json.loads(raw, parse_float=decimal.Decimal),
        "raw_body": raw,
    }
    kind = f["kind"]
    if kind == "push_operation":
        return PushOperationEvent(
            **common,
            operation_key=f["operation_key"],
            status=f["status"],
            data_type=f["data_type"],
            connection_id=f["connection_id"],
        )
    if kind == "source_account":
        return SourceAccountEvent(
            **common,
            connected=f["connected"],
            account_id=f["account_id"],
            account_status=f["account_status"],
            connection_id=f["connection_id"],
        )
    if kind == "rate_limit":
        return RateLimitEvent(
            **common,
            reached=f["reached"],
            daily_quota=f["daily_quota"],
            quota_remaining=f["quota_remaining"],
            expiry_date=f["expiry_date"],
        )
    return OtherEvent(**common)


def _utc(seconds: int) -> datetime.datetime:
    if not _EARLIEST <= seconds <= _LATEST:
        # Only with a tolerance of centuries around a ``now`` near the end of time.
        raise ConfigurationError(f"the delivery's time ({seconds} Unix seconds) is outside the years 1 to 9999")
    epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
    return epoch + datetime.timedelta(seconds=seconds)


def _text(value: Any, what: str) -> str:
    """A header name or value as text: ``bytes`` are read as Latin-1 (HTTP's own encoding, and
    what ASGI servers hand over); a list of values is joined by a space."""
    if isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).decode("latin-1")
    if isinstance(value, (list, tuple)):
        return " ".join(_text(v, what) for v in value)
    raise TypeError(f"a header {what} must be str or bytes, not {type(value).__name__}")


def _pairs(headers: Any) -> list[tuple[str, str]]:
    """The headers as (name, value) pairs, values of one name (in any case) joined by a space."""
    if isinstance(headers, (str, bytes, bytearray, memoryview)) or headers is None:
        raise TypeError(
            "headers must be the request's headers (a mapping, an object with items() or get(), "
            f"or (name, value) pairs), not {type(headers).__name__}"
        )
    entries: list[tuple[str, str]] = []
    items = getattr(headers, "items", None)
    if callable(items):
        source: Iterable[Any] = items()
    elif callable(getattr(headers, "get", None)):
        # A lookup only (assumed case-insensitive, as HTTP libraries' are): ask for each name.
        for name in _NAMES:
            value = headers.get(name)
            if value is None:
                value = headers.get(name.title())
            if value is not None:
                entries.append((name, _text(value, "value")))
        return entries
    else:
        try:
            source = iter(headers)
        except TypeError:
            raise TypeError(
                "headers must be the request's headers (a mapping, an object with items() or "
                f"get(), or (name, value) pairs), not {type(headers).__name__}"
            ) from None
    merged: dict[str, tuple[str, str]] = {}
    for entry in source:
        try:
            name, value = entry
        except (TypeError, ValueError):
            raise TypeError(f"each header must be a (name, value) pair, not {entry!r}") from None
        name = _text(name, "name")
        if value is None:
            continue
        value = _text(value, "value")
        key = name.strip().lower()
        if key in merged:
            merged[key] = (merged[key][0], f"{merged[key][1]} {value}")
        else:
            merged[key] = (name, value)
    entries.extend(merged.values())
    return entries


def _bytes(body: Any) -> bytes:
    if isinstance(body, bytes):
        return body
    if isinstance(body, (bytearray, memoryview)):
        return bytes(body)
    if isinstance(body, str):
        return body.encode("utf-8")
    raise TypeError(
        "body must be the raw body received (bytes, or its text), not "
        f"{type(body).__name__}: JSON parsed and serialised again is not what was signed"
    )


def _seconds(tolerance: Any) -> int:
    if isinstance(tolerance, datetime.timedelta):
        seconds = tolerance.total_seconds()
        if seconds != int(seconds):
            raise ConfigurationError(f"tolerance is whole seconds, not {tolerance}")
        tolerance = int(seconds)
    if isinstance(tolerance, bool) or not isinstance(tolerance, int):
        raise TypeError(f"tolerance is whole seconds (int) or a timedelta, not {type(tolerance).__name__}")
    if tolerance < 0:
        raise ConfigurationError(f"tolerance is seconds from 0 up, not {tolerance}")
    # Beyond any time there is: the same as the largest the core takes.
    return min(tolerance, 2**64 - 1)


def _unix(now: Any) -> Optional[int]:
    if now is None:
        return None
    if isinstance(now, datetime.datetime):
        if now.tzinfo is None or now.utcoffset() is None:
            raise ConfigurationError(
                "now must be an aware datetime (with a time zone, e.g. datetime.timezone.utc): "
                "a naive one names no instant"
            )
        delta = now - datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
        return delta.days * 86_400 + delta.seconds
    if isinstance(now, bool) or not isinstance(now, (int, float)):
        raise TypeError(f"now is an aware datetime or Unix seconds, not {type(now).__name__}")
    if isinstance(now, float) and now != now:
        raise ConfigurationError("now is not a number (NaN)")
    try:
        seconds = int(now // 1)
    except (OverflowError, ValueError):
        raise ConfigurationError(f"now={now} is not a time") from None
    if not _EARLIEST <= seconds <= _LATEST:
        raise ConfigurationError(f"now={now} is outside the years 1 to 9999")
    return seconds


# The first and last second a ``datetime`` holds, as Unix seconds.
_EARLIEST = -62_135_596_800
_LATEST = 253_402_300_799
