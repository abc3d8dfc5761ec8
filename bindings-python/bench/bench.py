"""bankfeeds vs Codat's own Python SDK (codat-bankfeeds) on the same rows, side by side.

What each side does with 1,000,000 bank transactions for one account, as a pipeline would
before pushing them:

- bankfeeds: ``normalise()`` (trim, de-duplicate, infer types, sort, validate every generic and
  Xero rule and the balance chain), then the push bodies as JSON (1000 transactions each).
  Each body's JSON is made and let go before the next, on both sides, as a push sends one body
  and moves on.
  Once from a list of dicts, once from a ``pyarrow.Table`` (read in Rust, no object per row).
- codat-bankfeeds: its ``BankTransactions`` models built from the same rows (``from_dict``, after
  turning dates into the ISO text its model requires), grouped into ``CreateBankTransactions``
  bodies of 1000 and serialised the way its ``create`` call does
  (``ApiClient.sanitize_for_serialization`` then ``json.dumps``). From Arrow it first needs the
  rows as dicts (``Table.to_pylist()``). It checks types only: no rule, no balance chain.

Each case runs in its own process, so peak memory is that case's alone: the figure is the peak
resident set during the case minus the resident set just before it (the input is already
built). Times are the best of ``--repeat`` runs, wall-clock and CPU.

    python bench.py                 # 1,000,000 rows
    python bench.py --rows 100000 --repeat 1
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
from decimal import Decimal
from typing import Any, Callable

ACCOUNT = "acc-0001"
START = dt.datetime(2024, 1, 1)


def today_for(n: int) -> dt.date:
    return (START + dt.timedelta(seconds=30 * n)).date() + dt.timedelta(days=1)


def make_rows(n: int) -> list[dict[str, Any]]:
    """Deterministic rows, oldest first, balances that follow, amounts to the cent."""
    rows = []
    balance = Decimal("10000.00")
    for i in range(n):
        cents = (i * 7919) % 200_001 - 100_000
        amount = Decimal(cents).scaleb(-2)
        balance += amount
        rows.append(
            {
                "id": f"{(i * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFF:012x}-{i}",
                "date": START + dt.timedelta(seconds=30 * i),
                "description": f"Card payment {i % 977}",
                "amount": amount,
                "balance": balance,
                "transaction_type": "Debit" if cents < 0 else "Credit",
            }
        )
    return rows


def make_table(rows: list[dict[str, Any]]) -> Any:
    import pyarrow as pa

    return pa.table(
        {
            "id": pa.array([r["id"] for r in rows], pa.string()),
            "date": pa.array([r["date"] for r in rows], pa.timestamp("us")),
            "description": pa.array([r["description"] for r in rows], pa.string()),
            "amount": pa.array([r["amount"] for r in rows], pa.decimal128(18, 2)),
            "balance": pa.array([r["balance"] for r in rows], pa.decimal128(18, 2)),
            "transaction_type": pa.array([r["transaction_type"] for r in rows], pa.string()),
        }
    )


# ---- the cases --------------------------------------------------------------------------------


def bankfeeds_pipeline(source: Any, n: int) -> int:
    import bankfeeds

    result = bankfeeds.normalise(source, platform="xero", today=today_for(n))
    if not result.is_valid:
        raise SystemExit(f"bankfeeds found errors in the bench rows: {result.report.errors[:3]}")
    size = 0
    for body in result.push_bodies(ACCOUNT):
        size += len(body.to_json())
    return size


def bankfeeds_validate(source: Any, n: int) -> int:
    import bankfeeds

    return len(bankfeeds.validate(source, platform="xero", today=today_for(n)))


def sdk_models(rows: list[dict[str, Any]]) -> list[Any]:
    """The rows as codat-bankfeeds' models (dates as the ISO text its model requires)."""
    from codat_bankfeeds.models.shared import BankTransactions

    return [
        BankTransactions.from_dict(
            {
                "id": r["id"],
                "date": r["date"].isoformat(),
                "description": r["description"],
                "amount": r["amount"],
                "balance": r["balance"],
                "transactionType": r["transaction_type"],
            }
        )
        for r in rows
    ]


def sdk_pipeline(rows: list[dict[str, Any]]) -> int:
    from codat_bankfeeds.api_client import ApiClient
    from codat_bankfeeds.models.shared import CreateBankTransactions

    client = ApiClient()
    models = sdk_models(rows)
    size = 0
    for k in range(0, len(models), 1000):
        body = CreateBankTransactions(account_id=ACCOUNT, transactions=models[k : k + 1000])
        size += len(json.dumps(client.sanitize_for_serialization(body)))
    return size


CASES: dict[str, tuple[str, str]] = {
    # name: (input kind, description)
    "bankfeeds-dicts": ("dicts", "bankfeeds normalise + push JSON, from dicts"),
    "bankfeeds-arrow": ("arrow", "bankfeeds normalise + push JSON, from pyarrow.Table"),
    "sdk-dicts": ("dicts", "codat-bankfeeds models + serialise, from dicts"),
    "sdk-arrow": ("arrow", "codat-bankfeeds models + serialise, from pyarrow.Table (to_pylist)"),
    "bankfeeds-validate-dicts": ("dicts", "bankfeeds validate only, from dicts"),
    "bankfeeds-validate-arrow": ("arrow", "bankfeeds validate only, from pyarrow.Table"),
}


def case_function(name: str, n: int, source: Any) -> Callable[[], int]:
    if name in ("bankfeeds-dicts", "bankfeeds-arrow"):
        return lambda: bankfeeds_pipeline(source, n)
    if name.startswith("bankfeeds-validate"):
        return lambda: bankfeeds_validate(source, n)
    if name == "sdk-dicts":
        return lambda: sdk_pipeline(source)
    if name == "sdk-arrow":
        return lambda: sdk_pipeline(source.to_pylist())
    raise SystemExit(f"unknown case {name}")


def _status(key: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    return 0


def reset_peak() -> None:
    """Resets the kernel's peak-RSS counter (VmHWM) so the next peak is this case's alone."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def run_case(name: str, n: int, repeat: int) -> dict[str, Any]:
    kind, _ = CASES[name]
    rows = make_rows(n)
    source: Any = make_table(rows) if kind == "arrow" else rows
    if kind == "arrow":
        del rows
    fn = case_function(name, n, source)
    walls, cpus, peaks = [], [], []
    out = 0
    for _ in range(repeat):
        reset_peak()
        before = _status("VmRSS")
        w0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        w1, c1 = time.perf_counter(), time.process_time()
        walls.append(w1 - w0)
        cpus.append(c1 - c0)
        peaks.append(_status("VmHWM") - before)
    return {"case": name, "rows": n, "wall": min(walls), "cpu": min(cpus), "peak": max(peaks), "output_bytes": out}


# ---- the driver -------------------------------------------------------------------------------


def human(nbytes: float) -> str:
    return f"{nbytes / 2**20:,.0f} MiB"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3, help="runs per bankfeeds case (best is kept)")
    ap.add_argument("--sdk-repeat", type=int, default=1, help="runs per SDK case")
    ap.add_argument("--case", help=argparse.SUPPRESS)
    ap.add_argument("--only", nargs="*", help="run these cases only")
    args = ap.parse_args()

    if args.case:
        print(json.dumps(run_case(args.case, args.rows, args.repeat)))
        return

    import bankfeeds
    import codat_bankfeeds  # noqa: F401  (fail early when the SDK is missing)

    print(f"bankfeeds {bankfeeds.__version__} vs codat-bankfeeds, {args.rows:,} rows, Python {platform.python_version()}, "
          f"{os.cpu_count()} CPU(s), load {os.getloadavg()[0]:.1f}")
    results: dict[str, dict[str, Any]] = {}
    for name, (_, label) in CASES.items():
        if args.only and name not in args.only:
            continue
        repeat = args.sdk_repeat if name.startswith("sdk") else args.repeat
        cmd = [sys.executable, __file__, "--case", name, "--rows", str(args.rows), "--repeat", str(repeat)]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        r = json.loads(out.strip().splitlines()[-1])
        results[name] = r
        print(f"  {label:70s} wall {r['wall']:7.2f} s  cpu {r['cpu']:7.2f} s  peak +{human(r['peak'])}", flush=True)

    def ratio(sdk: str, ours: str, key: str) -> str:
        if sdk in results and ours in results:
            return f"{results[sdk][key] / results[ours][key]:6.1f}x"
        return "   n/a"

    print("\nbankfeeds speed-up over codat-bankfeeds (same rows, same output: push bodies as JSON)")
    print(f"  from dicts:  wall {ratio('sdk-dicts', 'bankfeeds-dicts', 'wall')}   cpu {ratio('sdk-dicts', 'bankfeeds-dicts', 'cpu')}")
    print(f"  from Arrow:  wall {ratio('sdk-arrow', 'bankfeeds-arrow', 'wall')}   cpu {ratio('sdk-arrow', 'bankfeeds-arrow', 'cpu')}")
    print(f"  peak memory, from dicts: {ratio('sdk-dicts', 'bankfeeds-dicts', 'peak')} less; from Arrow: "
          f"{ratio('sdk-arrow', 'bankfeeds-arrow', 'peak')} less")
    sample = make_rows(1)
    sample[0]["amount"] = Decimal("12345678901234567.89")
    sdk_amount = json.loads(_sdk_body(sample))["transactions"][0]["amount"]
    ours = bankfeeds.push_bodies(ACCOUNT, sample)[0].to_json()
    print(f"\nnote: for the amount Decimal('12345678901234567.89') the SDK sends {sdk_amount!r} (a JSON float);"
          f" bankfeeds sends {ours[ours.index('amount') + 8:].split(',')[0]}")


def _sdk_body(rows: list[dict[str, Any]]) -> str:
    from codat_bankfeeds.api_client import ApiClient
    from codat_bankfeeds.models.shared import BankTransactions, CreateBankTransactions

    models = [BankTransactions.from_dict({"id": r["id"], "date": r["date"].isoformat(), "amount": r["amount"]}) for r in rows]
    return json.dumps(ApiClient().sanitize_for_serialization(CreateBankTransactions(account_id=ACCOUNT, transactions=models)))


if __name__ == "__main__":
    main()
