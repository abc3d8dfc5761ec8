"""Validate and normalise bank transactions per account on Spark, with bankfeeds on the workers.

Each account's rows reach a worker as one Arrow table (``groupBy("account_id").applyInArrow``);
bankfeeds reads the Arrow buffers in Rust, so no Python object is made per row. Two outputs:

- ``findings``: every finding of every account (code, severity, field, message...), each tied
  back to the input ``line`` it is about;
- ``ready``: the normalised transactions (sorted oldest first, de-duplicated, types inferred) of
  the accounts that have no error, ready to push;
- with ``--push``, ``pushed``: the ready accounts pushed to Codat, one partition of accounts per
  task, each task pushing its accounts concurrently with ``Client.push_all`` (one row per account:
  status, pushed, already pushed, not pushed, error).

    python bankfeeds_job.py INPUT.parquet OUTPUT_DIR [--platform xero] [--today 2024-06-01]
    CODAT_API_KEY=... python bankfeeds_job.py INPUT.parquet OUTPUT_DIR --push \
        --company-id C --connection-id D --ledger /shared/bankfeeds-ledger.sqlite3

INPUT has the columns ``line`` (a unique row number), ``account_id``, ``id``, ``date``
(timestamp without zone, or date), ``amount`` and ``balance`` (decimal), ``description`` and
``transaction_type``; other columns are ignored by bankfeeds with a warning.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from dataclasses import dataclass
from typing import Callable, Iterator

import pyarrow as pa
import pyarrow.compute as pc

import bankfeeds

#: What the workers return; Spark checks each returned table against these.
FINDINGS_DDL = (
    "account_id string, line long, code string, severity string, field string, "
    "id string, message string, expected string, found string"
)
FINDINGS_ARROW = pa.schema(
    [
        ("account_id", pa.string()),
        ("line", pa.int64()),
        ("code", pa.string()),
        ("severity", pa.string()),
        ("field", pa.string()),
        ("id", pa.string()),
        ("message", pa.string()),
        ("expected", pa.string()),
        ("found", pa.string()),
    ]
)
READY_DDL = (
    "account_id string, line long, id string, date timestamp_ntz, description string, "
    "amount decimal(18,2), balance decimal(18,2), transaction_type string"
)
READY_ARROW = pa.schema(
    [
        ("account_id", pa.string()),
        ("line", pa.int64()),
        ("id", pa.string()),
        ("date", pa.timestamp("us")),
        ("description", pa.string()),
        ("amount", pa.decimal128(18, 2)),
        ("balance", pa.decimal128(18, 2)),
        ("transaction_type", pa.string()),
    ]
)


#: One row per pushed account.
PUSHED_DDL = (
    "account_id string, status string, pushed long, already_pushed long, not_pushed long, "
    "timed_out long, error string"
)
PUSHED_ARROW = pa.schema(
    [
        ("account_id", pa.string()),
        ("status", pa.string()),
        ("pushed", pa.int64()),
        ("already_pushed", pa.int64()),
        ("not_pushed", pa.int64()),
        ("timed_out", pa.int64()),
        ("error", pa.string()),
    ]
)

#: Codat's limit of requests in flight per company, shared out among the tasks that push at once.
CODAT_REQUESTS_PER_COMPANY = 10


@dataclass(frozen=True)
class PushTarget:
    """Where the ready accounts go: one company and connection (each account id is a source
    account of it), the push ledger every task records its batches in, and how many tasks push
    at once (so that together they stay within Codat's 10 requests in flight per company)."""

    company_id: str
    connection_id: str
    ledger: str
    tasks: int = 2
    base_url: str | None = None
    #: The worker reads the key from this environment variable: it is never pickled into a task.
    api_key_env: str = "CODAT_API_KEY"
    poll_interval: float | None = None


def _rows_of(group: pa.Table) -> tuple[str, pa.Table, pa.Array]:
    """The account, its rows in input order (Spark does not keep it within a group), and each
    row's input line; `line` is not given to bankfeeds (it is not a transaction field)."""
    group = group.sort_by("line")
    account = group.column("account_id")[0].as_py()
    return account, group.drop_columns(["line"]), group.column("line").combine_chunks()


def check_account(platform: str, today: dt.date) -> Callable[[pa.Table], pa.Table]:
    def check(group: pa.Table) -> pa.Table:
        account, rows, lines = _rows_of(group)
        # The findings of normalise(): what is still wrong once bankfeeds has fixed what it may
        # (order, duplicates, types), so an account is ready exactly when it has no error here.
        report = bankfeeds.normalise(rows, platform=platform, today=today).report.to_arrow()
        # Findings name rows of this group; map them back to input lines.
        row = report.column("row")
        line = pc.if_else(pc.is_null(row), pa.scalar(None, pa.int64()), pc.take(lines, pc.fill_null(row, 0)))
        out = report.append_column("line", line).append_column(
            "account_id", pa.array([account] * report.num_rows, pa.string())
        )
        return out.select(FINDINGS_ARROW.names).cast(FINDINGS_ARROW)

    return check


def normalise_account(platform: str, today: dt.date) -> Callable[[pa.Table], pa.Table]:
    def normalise(group: pa.Table) -> pa.Table:
        account, rows, lines = _rows_of(group)
        result = bankfeeds.normalise(rows, platform=platform, today=today)
        if not result.is_valid:
            return READY_ARROW.empty_table()
        table = result.to_arrow(source_row=True)
        table = table.append_column("line", pc.take(lines, table.column("source_row")))
        table = table.append_column("account_id", pa.array([account] * table.num_rows, pa.string()))
        return table.select(READY_ARROW.names).cast(READY_ARROW)

    return normalise


def push_partition(target: PushTarget, today: dt.date) -> Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    """For ``mapInArrow``: pushes the accounts of one partition of ready rows (all of an
    account's rows are in one partition) with one ``Client.push_all`` call, and yields one row per
    account. A failed account is a row with its error, never an exception that would make Spark
    retry the whole task: a rerun of the job is the retry, and the ledger makes it send nothing
    twice."""

    def push(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        table = pa.Table.from_batches(list(batches), schema=READY_ARROW)
        if table.num_rows == 0:
            return
        client = bankfeeds.Client(
            os.environ[target.api_key_env],
            base_url=target.base_url,
            # Every task has a client of its own: each takes its share of the company's limit.
            max_per_company=max(1, CODAT_REQUESTS_PER_COMPANY // target.tasks),
        )
        accounts = []
        for account in pc.unique(table.column("account_id")).to_pylist():
            rows = table.filter(pc.equal(table.column("account_id"), account)).sort_by("line")
            accounts.append((target.company_id, target.connection_id, account,
                             rows.drop_columns(["account_id", "line"])))
        results = client.push_all(accounts, today=today, ledger=target.ledger, poll_interval=target.poll_interval)
        out = []
        for r in results:
            report = r["report"]
            error = r["error"]
            out.append({
                "account_id": r["account_id"],
                "status": r["status"],
                "pushed": report.pushed if report is not None else 0,
                "already_pushed": len(report.already_pushed) if report is not None else 0,
                "not_pushed": report.not_pushed if report is not None else None,
                "timed_out": sum(len(b["transaction_ids"]) for b in report.timed_out) if report is not None else 0,
                "error": f"{type(error).__name__}: {error}" if error is not None else None,
            })
        yield from pa.Table.from_pylist(out, schema=PUSHED_ARROW).to_batches()

    return push


def run(
    input_path: str, output_dir: str, platform: str, today: dt.date, push: PushTarget | None = None
) -> dict[str, int]:
    from pyspark.sql import SparkSession

    # Local mode: the workers are processes of this machine and use this interpreter, so the
    # bankfeeds wheel installed here is the one they import.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    spark = (
        SparkSession.builder.master("local[2]")
        .appName("bankfeeds")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    # The workers unpickle the functions below by module name: ship this file to them. (The
    # bankfeeds wheel itself must be installed where the workers run.)
    spark.sparkContext.addPyFile(os.path.abspath(__file__))
    spark.sparkContext.setLogLevel("ERROR")
    try:
        df = spark.read.parquet(input_path)
        grouped = df.groupBy("account_id")
        findings = grouped.applyInArrow(check_account(platform, today), FINDINGS_DDL)
        ready = grouped.applyInArrow(normalise_account(platform, today), READY_DDL)
        findings.write.mode("overwrite").parquet(os.path.join(output_dir, "findings"))
        ready.write.mode("overwrite").parquet(os.path.join(output_dir, "ready"))
        counts = {"findings": spark.read.parquet(os.path.join(output_dir, "findings")).count(),
                  "ready": spark.read.parquet(os.path.join(output_dir, "ready")).count()}
        if push is not None:
            # Each account's rows in one partition, as many partitions as tasks pushing at once.
            ready_rows = spark.read.parquet(os.path.join(output_dir, "ready")).repartition(push.tasks, "account_id")
            pushed = ready_rows.mapInArrow(push_partition(push, today), PUSHED_DDL)
            pushed.write.mode("overwrite").parquet(os.path.join(output_dir, "pushed"))
            counts["pushed_accounts"] = spark.read.parquet(os.path.join(output_dir, "pushed")).count()
        return counts
    finally:
        spark.stop()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--platform", default="generic")
    ap.add_argument("--today", type=dt.date.fromisoformat, default=dt.date.today())
    ap.add_argument("--push", action="store_true", help="push the ready accounts (the key from $CODAT_API_KEY)")
    ap.add_argument("--company-id")
    ap.add_argument("--connection-id")
    ap.add_argument("--ledger", help="the push ledger; on a cluster, a path every worker shares")
    ap.add_argument("--push-tasks", type=int, default=2, help="accounts are pushed by this many tasks at once")
    ap.add_argument("--base-url", help="Codat's API (default), or e.g. a local `bankfeeds sandbox`")
    args = ap.parse_args(argv)
    target = None
    if args.push:
        if not (args.company_id and args.connection_id and args.ledger):
            ap.error("--push needs --company-id, --connection-id and --ledger")
        if "CODAT_API_KEY" not in os.environ:
            ap.error("--push reads the API key from $CODAT_API_KEY, which is not set")
        target = PushTarget(args.company_id, args.connection_id, args.ledger, args.push_tasks, args.base_url)
    counts = run(args.input, args.output, args.platform, args.today, target)
    print(f"findings: {counts['findings']}, ready transactions: {counts['ready']}")
    if target is not None:
        print(f"accounts pushed (see {os.path.join(args.output, 'pushed')}): {counts['pushed_accounts']}")


if __name__ == "__main__":
    main()
