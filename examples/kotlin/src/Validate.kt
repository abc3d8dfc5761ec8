// Part 1: validate a few transactions with exact BigDecimal amounts, print the report, then let
// bankfeeds compute the balances from what the bank shows today and validate again.
package example

import bankfeeds.*
import java.math.BigDecimal
import java.time.LocalDate
import java.time.LocalDateTime

/** The day the example treats as today, so its output is the same on any day. */
val TODAY: LocalDate = LocalDate.of(2024, 6, 1)

val statement = listOf(
    // Out of order on purpose: prepare() sorts oldest first and reports it.
    Transaction(
        id = "tx-002", date = LocalDateTime.of(2024, 5, 2, 9, 30), amount = BigDecimal("-3.20"),
        description = "Coffee", balance = BigDecimal("2496.80"),
    ),
    Transaction(
        id = "tx-001", date = LocalDateTime.of(2024, 5, 1, 8, 0), amount = BigDecimal("2500.00"),
        description = "Salary", balance = BigDecimal("2500.00"),
    ),
    // A typo in the balance: 2496.80 - 17.54 is 2479.26.
    Transaction(
        id = "tx-003", date = LocalDateTime.of(2024, 5, 3, 12, 15), amount = BigDecimal("-17.54"),
        description = "Tech book", balance = BigDecimal("2479.62"),
    ),
)

val xero = ValidationContext(
    platform = Platform.XERO,
    today = TODAY,
    account = AccountContext(currency = "GBP", sortCode = "12-34-56", status = SourceAccountStatus.CONNECTED),
)

/** Returns the transactions ready to push. */
fun validateStatement(): List<Transaction> {
    println("== 1. validate ${statement.size} transactions for Xero")
    val first = prepare(statement, PrepareOptions(xero))
    println(first.report.summary)
    for (issue in first.report.issues) {
        println("   row ${issue.row} ${issue.field}: expected ${issue.expected}, found ${issue.found}")
    }
    check(!first.report.valid && first.report.issues.any { it.code == Code.BALANCE_MISMATCH })

    println("== 2. compute the balances back from the closing balance the bank shows")
    val fixed = prepare(
        statement,
        PrepareOptions(xero, NormaliseOptions(balances = BalanceFill.Closing(BigDecimal("2479.26")))),
    )
    println(fixed.report.summary)
    for (tx in fixed.transactions) {
        println("   ${tx.date}  ${tx.id}  ${tx.amount.toPlainString().padStart(8)}  balance ${tx.balance}  ${tx.transactionType}")
    }
    for (change in fixed.changes) println("   change: ${change.message}")
    check(fixed.report.valid && fixed.transactions.last().balance == BigDecimal("2479.26"))
    return fixed.transactions
}
