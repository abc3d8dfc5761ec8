"""The webhook example's test: starts receiver.py (answering 500 to its first delivery), starts
`bankfeeds sandbox` sending its webhooks there, runs the guides' flow (a company, a linked
connection, a source account the customer maps, a push), and checks that every event arrived
verified, the refused one again under the same message id, and that /sandbox/webhooks shows both
attempts. Prints what the receiver printed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def call(url: str, method: str, path: str, body: Any = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(f"{url}{path}", data=data, method=method,
                                 headers={"Authorization": "Basic c2FuZGJveA==", "Content-Type": "application/json"})
    with urllib.request.urlopen(req) as answer:
        text = answer.read()
    return json.loads(text) if text else None


def main() -> int:
    env = {**os.environ, "BANKFEEDS_WEBHOOK_SECRET": SECRET}
    receiver = subprocess.Popen([sys.executable, str(HERE / "receiver.py"), "--port", "0", "--fail-first", "1"],
                                stdout=subprocess.PIPE, text=True, env=env)
    sandbox = None
    lines: list[str] = []
    try:
        assert receiver.stdout is not None
        hook_url = receiver.stdout.readline().strip()
        assert hook_url.startswith("http://127.0.0.1:"), hook_url
        cli = os.environ.get("BANKFEEDS_CLI", "bankfeeds")
        # The secret comes from the environment, as it would in production.
        sandbox = subprocess.Popen([cli, "sandbox", "--port", "0", "--push-delay-ms", "50",
                                    "--webhook-url", hook_url, "--webhook-retry-ms", "100,300,1000"],
                                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
        assert sandbox.stdout is not None
        url = sandbox.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), url

        company = call(url, "POST", "/companies", {"name": "Toft Bakery"})["id"]
        conn = call(url, "POST", f"/companies/{company}/connections", {"platformKey": "gbol"})["id"]
        call(url, "POST", f"/sandbox/companies/{company}/connections/{conn}/link")
        call(url, "POST", f"/companies/{company}/connections/{conn}/connectionInfo/bankFeedAccounts",
             {"id": "acc-1", "accountName": "Business Current Account", "accountType": "Debit",
              "accountNumber": "12345670", "sortCode": "40-12-76", "currency": "GBP", "balance": 0})
        # The customer maps the account: bankFeeds.sourceAccount.connected.
        call(url, "POST", f"/sandbox/companies/{company}/connections/{conn}/bankFeedAccounts/acc-1/map",
             {"feedStartDate": "2024-01-01T00:00:00Z"})
        yesterday = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 86_400))
        pushed = call(url, "POST",
                      f"/companies/{company}/connections/{conn}/push/bankAccounts/acc-1/bankTransactions",
                      {"accountId": "acc-1", "transactions": [
                          {"id": "t1", "date": f"{yesterday}T09:00:00", "description": "Card payment",
                           "amount": -1.5, "balance": -1.5, "transactionType": "Debit"}]})
        key = pushed["pushOperationKey"]

        # Three lines: the refused first delivery, its redelivery, and the push's end (never polled),
        # the last two in either order.
        deadline = time.monotonic() + 20
        while len(lines) < 3 and time.monotonic() < deadline:
            line = receiver.stdout.readline()
            if not line:
                break
            lines.append(line.rstrip("\n"))
            print(f"receiver: {lines[-1]}")
        assert len(lines) == 3, lines
        # Messages are delivered independently: the push's may arrive before the redelivery.
        refused = lines[0]
        redelivered = next(line for line in lines[1:] if "source account" in line)
        push = next(line for line in lines[1:] if "push operation" in line)
        assert refused.startswith("answered 500 to msg_") and "bankFeeds.sourceAccount.connected" in refused, refused
        message_id = refused.split()[3]
        assert redelivered.startswith(f"{message_id} {company} source account acc-1 connected"), redelivered
        assert push.endswith(f"push operation {key} ended Success (bankTransactions.write.successful)"), push

        # The sandbox records an attempt once the receiver's answer is back: wait for that.
        deadline = time.monotonic() + 10
        while True:
            with urllib.request.urlopen(f"{url}/sandbox/webhooks") as answer:
                log = json.loads(answer.read())
            if all(m["state"] != "pending" for m in log["messages"]) or time.monotonic() > deadline:
                break
            time.sleep(0.02)
        first = next(m for m in log["messages"] if m["id"] == message_id)
        assert [a.get("status") for a in first["attempts"]] == [500, 204], first
        assert first["delivered"] is True
        assert all(m["delivered"] for m in log["messages"]), log
        print(f"sandbox: {len(log['messages'])} messages delivered; {message_id} on attempt 2 "
              f"after a 500 ({[a.get('status') for a in first['attempts']]})")
        if os.environ.get("BANKFEEDS_SPEC"):
            with urllib.request.urlopen(f"{url}/sandbox/spec-violations") as answer:
                assert json.loads(answer.read()) == [], "the sandbox broke Codat's spec"
    finally:
        for proc in (sandbox, receiver):
            if proc is not None:
                proc.terminate()
                proc.wait(timeout=10)
    print("python-webhooks example: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
