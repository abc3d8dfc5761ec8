"""Validate and normalise bank transactions per account on Spark, with bankfeeds on the workers.

Each account's rows reach a worker as one Arrow table (``groupBy("account_id").applyInArrow``);
bankfeeds reads the Arrow buffers in Rust, so no Python object is made per row. Two outputs:

- ``findings``: every finding of every account (code, severity, field, message...), each tied
  back to the input ``line`` it is about;
- ``ready``: the normalised transactions (sorted oldest first, de-duplicated, types inferred) of
  the accounts that have no error, ready to push.

    python bankfeeds_job.py INPUT.parquet OUTPUT_DIR [--platform xero] [--today 2024-06-01]

INPUT has the columns ``line`` (a unique row number), ``account_id``, ``id``, ``date``
(timestamp without zone, or date), ``amount`` and ``balance`` (decimal), ``description`` and
``transaction_type``; other columns are ignored by bankfeeds with a warning.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from typing import Callable

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


def run(input_path: str, output_dir: str, platform: str, today: dt.date) -> dict[str, int]:
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
        return {"findings": spark.read.parquet(os.path.join(output_dir, "findings")).count(),
                "ready": spark.read.parquet(os.path.join(output_dir, "ready")).count()}
    finally:
        spark.stop()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--platform", default="generic")
    ap.add_argument("--today", type=dt.date.fromisoformat, default=dt.date.today())
    args = ap.parse_args(argv)
    counts = run(args.input, args.output, args.platform, args.today)
    print(f"findings: {counts['findings']}, ready transactions: {counts['ready']}")


if __name__ == "__main__":
    main()
