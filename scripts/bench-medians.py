#!/usr/bin/env python3
"""Prints the median time and throughput of every criterion benchmark run so far.

criterion prints a mean-based estimate; notes and docs quote medians. Run after
`cargo bench -p bankfeeds --bench throughput` (or any other criterion bench):

    python3 scripts/bench-medians.py [target/criterion]
"""
import json
import sys
from pathlib import Path

root = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "target" / "criterion")
rows = []
for estimates in sorted(root.glob("**/new/estimates.json")):
    bench = estimates.parent.parent
    info = json.loads((estimates.parent / "benchmark.json").read_text())
    median_ns = json.loads(estimates.read_text())["median"]["point_estimate"]
    throughput = info.get("throughput") or {}
    elements = throughput.get("Elements")
    rate = f"{elements / (median_ns / 1e9) / 1e6:8.2f} M/s" if elements else ""
    rows.append((info.get("full_id", str(bench.relative_to(root))), median_ns, rate))
if not rows:
    sys.exit(f"no criterion results under {root}")
width = max(len(r[0]) for r in rows)
for name, ns, rate in rows:
    print(f"{name:<{width}}  median {ns / 1e6:10.2f} ms  {rate}")
