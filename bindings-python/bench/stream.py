"""A large file into push bodies: ``stream_file`` against ``prepare_file`` + ``push_bodies``.

Generates a CSV of ROWS rows (``cli/bench/statement.py``, as ``cli/bench/stream.sh`` does:
oldest first, running balances that follow, one id a row), then runs each case RUNS times, alternating, each in its
own process under ``/usr/bin/time``, and prints each run's CPU time (user + system: the figure to
read when other work shares the cores), wall time and peak RSS, and their medians. Every case
ends with each push body's JSON (``to_json()``, what the client sends) and prints a digest of
them, which must be the same for every case.

- ``import``: ``import bankfeeds`` only (the floor under the other two);
- ``stream``: ``stream_file(path)``, then ``push_bodies("acc-1")`` one at a time;
- ``whole``: ``prepare_file(path)`` (every row held), then ``push_bodies("acc-1")``.

    bindings-python/bench/run.sh --stream                      # 1,000,000 rows, 5 runs each
    bindings-python/bench/run.sh --stream --rows 100000 --runs 3
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import subprocess
import sys
import tempfile
import time

CASES = ("import", "stream", "whole")


def generate(rows: int, path: str) -> None:
    """The CSV of ``cli/bench/stream.sh``, written by the same generator."""
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "cli", "bench", "statement.py")
    subprocess.run([sys.executable, script, str(rows), path, "csv"], check=True)


def run_case(case: str, path: str) -> None:
    """One case, in this process: prints the bodies' count and digest."""
    import bankfeeds

    digest = hashlib.sha256()
    count = 0
    if case == "stream":
        streamed = bankfeeds.stream_file(path, platform="generic", today="2025-01-01")
        assert streamed.in_memory is None, streamed.in_memory
        streamed.raise_for_errors()
        for body in streamed.push_bodies("acc-1"):
            digest.update(body.to_json().encode())
            count += 1
    elif case == "whole":
        prepared = bankfeeds.prepare_file(path, platform="generic", today="2025-01-01")
        prepared.raise_for_errors()
        for body in prepared.push_bodies("acc-1"):
            digest.update(body.to_json().encode())
            count += 1
    print(f"{count} {digest.hexdigest()[:16]}")


def measure(case: str, path: str) -> tuple[float, float, int, str]:
    """CPU seconds, wall seconds, peak RSS in KB and the case's output, from ``/usr/bin/time``."""
    with tempfile.NamedTemporaryFile("r") as timing:
        began = time.perf_counter()
        out = subprocess.run(
            ["/usr/bin/time", "-o", timing.name, "-f", "%U %S %M", sys.executable, __file__, "--case", case, path],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        wall = time.perf_counter() - began
        user, system, rss = timing.read().split()
    return float(user) + float(system), wall, int(rss), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--case", choices=CASES, help=argparse.SUPPRESS)
    parser.add_argument("file", nargs="?", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        run_case(args.case, args.file)
        return
    with tempfile.TemporaryDirectory() as work:
        path = os.path.join(work, "statement.csv")
        generate(args.rows, path)
        print(f"file: {args.rows:,} rows of CSV, {os.path.getsize(path) / 2**20:.0f} MiB; {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
        results: dict[str, list[tuple[float, float, int]]] = {c: [] for c in CASES}
        outputs: dict[str, set[str]] = {c: set() for c in CASES}
        for _ in range(args.runs):
            for case in CASES:
                cpu, wall, rss, out = measure(case, path)
                results[case].append((cpu, wall, rss))
                outputs[case].add(out)
                print(f"  {case:<7} {cpu:7.2f} s CPU {wall:7.2f} s wall {rss / 1024:7.0f} MiB   {out}")
        for case in CASES:
            cpu = statistics.median(r[0] for r in results[case])
            wall = statistics.median(r[1] for r in results[case])
            rss = statistics.median(r[2] for r in results[case])
            print(f"{case} median: {cpu:.2f} s CPU, {wall:.2f} s wall, peak RSS {rss / 1024:.0f} MiB")
        if outputs["stream"] != outputs["whole"] or len(outputs["stream"]) != 1:
            sys.exit(f"the bodies differ: {outputs['stream']} against {outputs['whole']}")
        print("the same bodies either way")


if __name__ == "__main__":
    main()
