"""A webhook receiver for Codat's Bank Feeds webhooks, on the standard library alone.

Every delivery is checked with ``bankfeeds.webhooks.verify`` (the signature over the raw bytes, the
signed time within 5 minutes, the body an event) and printed; a refusal is answered with the status
the error carries (401, 400 or 500), so Codat delivers it again. Each message id is handled once:
a redelivery of a message already handled is acknowledged and not handled again.

    BANKFEEDS_WEBHOOK_SECRET=whsec_... python receiver.py --port 8787

The first line of output is the URL to give Codat (or ``bankfeeds sandbox --webhook-url``).
``--fail-first N`` answers 500 to the first N deliveries, to watch a redelivery arrive.
"""

from __future__ import annotations

import argparse
import http.server
import os
import sys
import threading

import bankfeeds
from bankfeeds import webhooks

SECRET_ENV = "BANKFEEDS_WEBHOOK_SECRET"
#: Codat's deliveries are small; anything larger is not one of them.
MAX_BODY = 1 << 20


def describe(event: webhooks.WebhookEvent) -> str:
    """One line about an event."""
    if isinstance(event, webhooks.PushOperationEvent):
        return f"push operation {event.operation_key} ended {event.status} ({event.event_type})"
    if isinstance(event, webhooks.SourceAccountEvent):
        state = "connected" if event.connected else "disconnected"
        return f"source account {event.account_id} {state} on connection {event.connection_id}"
    if isinstance(event, webhooks.RateLimitEvent):
        if event.reached:
            return f"rate limit reached: {event.quota_remaining} of {event.daily_quota} left until {event.expiry_date}"
        return f"rate limit reset: {event.quota_remaining} of {event.daily_quota} requests"
    return f"{event.event_type}: {event.raw_body}"


class Receiver:
    """What the handler shares: the secret, the message ids handled, and how many to fail."""

    def __init__(self, secret: str, fail_first: int) -> None:
        self.secret = secret
        self.fail_left = fail_first
        self.handled: set[str] = set()
        self.lock = threading.Lock()


def handler(receiver: Receiver) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            if length > MAX_BODY:
                self.answer(413)
                return
            body = self.rfile.read(length)  # the raw bytes: what was signed
            try:
                event = webhooks.verify(receiver.secret, self.headers, body)
            except bankfeeds.WebhookError as e:
                say(f"refused ({e.code}): {e}")
                self.answer(e.status)
                return
            with receiver.lock:
                if receiver.fail_left > 0:
                    receiver.fail_left -= 1
                    say(f"answered 500 to {event.message_id} {event.event_type} on purpose (--fail-first): it will come again")
                    self.answer(500)
                    return
                if event.message_id in receiver.handled:
                    say(f"{event.message_id} again: already handled")
                    self.answer(204)
                    return
                receiver.handled.add(event.message_id)
            # Handle it here (quickly: Codat waits 15 seconds at most), then acknowledge.
            say(f"{event.message_id} {event.company_id or '-'} {describe(event)}")
            self.answer(204)

        def answer(self, status: int) -> None:
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass  # one line per delivery is printed above

    return Handler


def say(line: str) -> None:
    print(line, flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8787, help="0 picks a free port (default 8787)")
    parser.add_argument("--path", default="/codat/webhooks", help="the path to print in the URL")
    parser.add_argument("--fail-first", type=int, default=0, metavar="N",
                        help="answer 500 to the first N verified deliveries, to see them come again")
    args = parser.parse_args()
    secret = os.environ.get(SECRET_ENV)
    if not secret:
        print(f"set {SECRET_ENV} to the endpoint's signing secret (whsec_...)", file=sys.stderr)
        return 2
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port),
                                             handler(Receiver(secret, args.fail_first)))
    say(f"http://127.0.0.1:{server.server_address[1]}{args.path}")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
