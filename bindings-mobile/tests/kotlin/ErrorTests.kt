package bankfeeds.tests

import bankfeeds.*
import bankfeeds.tests.Harness.test
import java.math.BigDecimal
import java.time.LocalDate

/** What a caller sees: `when` over the sealed class must name every case (no `else`), so a new
 *  error kind added without a test here fails to compile. */
fun kind(e: BankFeedsException): String = when (e) {
    is BankFeedsException.Validation -> "validation"
    is BankFeedsException.InvalidInput -> "invalid input"
    is BankFeedsException.Api -> "api"
    is BankFeedsException.Transport -> "transport"
    is BankFeedsException.UnexpectedResponse -> "unexpected response"
    is BankFeedsException.Configuration -> "configuration"
    is BankFeedsException.SourceAccountNotFound -> "source account not found"
    is BankFeedsException.PushOutcomeUnknown -> "push outcome unknown"
    is BankFeedsException.WaitTimeout -> "wait timeout"
    is BankFeedsException.HistoryUnknown -> "history unknown"
    is BankFeedsException.AccountBusy -> "account busy"
    is BankFeedsException.LookupIncomplete -> "lookup incomplete"
    is BankFeedsException.Ledger -> "ledger"
    is BankFeedsException.WebhookException -> "webhook"
    is BankFeedsException.Other -> "other"
}

fun errorTests() = Harness.suite("errors (synchronous)") {
    test("rows the core cannot read are Validation with every finding, as in Python and JavaScript") {
        val rows = listOf(tx("a", "2024-05-01", "1.00"), tx("b", "2024-05-02", "1234567890123456789012345678901234567890"))
        val e = assertThrows<BankFeedsException.Validation> { fillBalancesForward(rows, BigDecimal.ZERO) }
        val first = e.report.issues.first { it.severity == Severity.ERROR }
        assertEquals(1u, first.row, "row")
        assertEquals(Field.AMOUNT, first.field, "field")
        check(first.message.contains("significant digits") || first.message.contains("too large")) { first.message }
        assertEquals("validation", kind(e), "kind")
        assertEquals("validation", e.code(), "code")
    }

    test("Validation names the date of a row the core cannot read") {
        val rows = listOf(
            tx("a", "2024-05-01", "1.00"),
            tx("b", "2024-05-01", "1.00"),
            Transaction(id = "c", date = at(10000, 1, 1), amount = BigDecimal.ONE),
        )
        val e = assertThrows<BankFeedsException.Validation> { pushBodies("acc", rows, null) }
        val first = e.report.issues.first { it.severity == Severity.ERROR }
        assertEquals(2u, first.row, "row")
        assertEquals(Field.DATE, first.field, "field")
    }

    test("a running balance that overflows is Validation with balance_overflow on the row's balance, not a crash") {
        // 28 nines: the most digits an amount may have; eight of them pass the largest decimal.
        val rows = (0 until 8).map { tx("t$it", "2024-05-01", "9".repeat(28)) }
        for (call in listOf<() -> Unit>(
            { fillBalancesForward(rows, BigDecimal.ZERO) },
            { fillBalances(rows, BalanceFill.Opening(BigDecimal.ZERO)) },
        )) {
            val e = assertThrows<BankFeedsException.Validation> { call() }
            val issue = e.report.issues.single()
            assertEquals(Code.BALANCE_OVERFLOW, issue.code, "code")
            assertEquals(7u, issue.row, "row")
            assertEquals("t7", issue.id, "id")
            assertEquals(Field.BALANCE, issue.field, "field")
            check(issue.message.contains("overflows")) { issue.message }
        }
    }

    test("an unusable option is InvalidInput without a row") {
        val e = assertThrows<BankFeedsException.InvalidInput> {
            prepare(listOf(tx("a", "2024-05-01", "1.00")), options(normalise = NormaliseOptions(balances = BalanceFill.Opening(BigDecimal("1E+40")))))
        }
        assertEquals(null, e.row, "row")
        assertEquals(Field.BALANCE, e.field, "field")
        check(e.reason.startsWith("opening balance")) { e.reason }
        val late = assertThrows<BankFeedsException.InvalidInput> {
            validate(listOf(tx("a", "2024-05-01", "1.00")), ValidationContext(Platform.XERO, LocalDate.of(10000, 1, 1)))
        }
        check(late.reason.startsWith("today")) { late.reason }
        val feed = assertThrows<BankFeedsException.InvalidInput> {
            validate(emptyList(), context(account = AccountContext(feedStartDate = LocalDate.of(-1, 1, 1))))
        }
        assertEquals(Field.FEED_START_DATE, feed.field, "field")
    }

    test("every case has the stable code of the core's error kind") {
        val now = java.time.Instant.now()
        val report = ValidationReport(emptyList(), 0u, 0u, true, "")
        val codes = listOf(
            BankFeedsException.Validation(report) to "validation",
            BankFeedsException.InvalidInput(null, null, "x") to "invalid_input",
            BankFeedsException.Api(500u, null, null, emptyList(), true, null, null, "x") to "api",
            BankFeedsException.Transport(true, true, "x") to "timeout",
            BankFeedsException.Transport(false, false, "x") to "transport",
            BankFeedsException.UnexpectedResponse(200u, "x") to "decode",
            BankFeedsException.Configuration("x") to "config",
            BankFeedsException.SourceAccountNotFound("c", "k", "a") to "source_account_not_found",
            BankFeedsException.PushOutcomeUnknown("a", 1u, "x") to "push_outcome_unknown",
            BankFeedsException.WaitTimeout("op", PushOperationStatus.PENDING, 1uL) to "wait_timeout",
            BankFeedsException.HistoryUnknown("a", listOf("op"), "x") to "history_unknown",
            BankFeedsException.AccountBusy("a", "process 1 on tablet", now, "x") to "account_busy",
            BankFeedsException.LookupIncomplete(20000u, "x") to "lookup_incomplete",
            BankFeedsException.Ledger("x") to "ledger",
            BankFeedsException.Other("something_new", "x") to "something_new",
        )
        for ((e, code) in codes) assertEquals(code, e.code(), kind(e))
        val thrown = assertThrows<BankFeedsException.Validation> { fillBalancesForward(listOf(tx("a", "2024-05-01", "1E+40")), BigDecimal.ZERO) }
        assertEquals("validation", thrown.code(), "a thrown one")
    }

    test("exceptions are catchable as the sealed base class and as Exception") {
        val e: Exception = assertThrows<BankFeedsException> { verifyBalances(listOf(tx("a", "2024-05-01", "1E+40")), null) }
        check(e is BankFeedsException.Validation) { "$e" }
        check(e.message!!.contains("row=0")) { e.message!! }
    }
}
