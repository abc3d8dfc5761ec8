"""Writes a bank statement for the CLI benchmarks: ROWS rows dated oldest first (from
2023-01-01 over 500 days), with running balances that follow, as a CSV file or (FORMAT json) a
push body with one transaction a line and amounts as JSON numbers.

    python3 cli/bench/statement.py ROWS PATH [csv|json]
"""

import datetime
import sys


def main() -> None:
    n, path = int(sys.argv[1]), sys.argv[2]
    fmt = sys.argv[3] if len(sys.argv) > 3 else "csv"
    start = datetime.date(2023, 1, 1)
    balance = 0
    with open(path, "w") as f:
        if fmt == "csv":
            f.write("id,date,description,amount,balance,transactionType\n")
        else:
            f.write('{"accountId": "acc-1", "transactions": [\n')
        for i in range(n):
            cents = (i * 7919) % 20001 - 10000
            balance += cents
            day = start + datetime.timedelta(days=i * 500 // n)
            kind = "Credit" if cents >= 0 else "Debit"
            if fmt == "csv":
                f.write(
                    f"tx-{i:08d},{day},Card payment {i % 977} at shop,"
                    f"{cents/100:.2f},{balance/100:.2f},{kind}\n"
                )
            else:
                sep = ",\n" if i + 1 < n else "\n"
                f.write(
                    f'{{"id": "tx-{i:08d}", "date": "{day}T00:00:00", '
                    f'"description": "Card payment {i % 977} at shop", "amount": {cents/100:.2f}, '
                    f'"balance": {balance/100:.2f}, "transactionType": "{kind}"}}{sep}'
                )
        if fmt == "json":
            f.write("]}\n")


if __name__ == "__main__":
    main()
