package bankfeeds.tests

import bankfeeds.*
import bankfeeds.tests.Harness.test
import java.math.BigDecimal
import java.time.LocalDateTime

fun validationTests() = Harness.suite("validation and normalisation") {
    test("prepare sorts oldest first and keeps every amount exactly, scale included") {
        val rows = listOf(
            tx("t2", "2024-05-02", "-3.20"),
            tx("t1", "2024-05-01", "2500.00"),
            tx("t3", "2024-05-03", "12345678901234567890.12345678"),
        )
        val prepared = prepare(rows, options())
        assertEquals(listOf("t1", "t2", "t3"), prepared.transactions.map { it.id }, "order")
        assertEquals(listOf(1u, 0u, 2u), prepared.sourceRows, "source rows")
        val amounts = prepared.transactions.map { it.amount }
        assertEquals(listOf(BigDecimal("2500.00"), BigDecimal("-3.20"), BigDecimal("12345678901234567890.12345678")), amounts, "amounts")
        assertEquals(2, amounts[0].scale(), "scale of 2500.00")
        check(prepared.report.valid) { prepared.report.summary }
        assertEquals(3u, prepared.rowsRead, "rows read")
    }

    test("types are inferred from the sign and reported as one change") {
        val prepared = prepare(listOf(tx("a", "2024-05-01", "5.00"), tx("b", "2024-05-02", "-1.00")), options())
        assertEquals(listOf(TransactionType.CREDIT, TransactionType.DEBIT), prepared.transactions.map { it.transactionType }, "types")
        val change = prepared.changes.single { it.kind == ChangeKind.TYPE_INFERRED }
        assertEquals(listOf(0u, 1u), change.rows, "rows")
        assertEquals(Field.TRANSACTION_TYPE, change.field, "field")
    }

    test("a broken balance chain on Xero names the row, the expected balance and the code") {
        val rows = listOf(
            tx("a", "2024-05-01", "100.00", balance = "100.00"),
            tx("b", "2024-05-02", "-17.54", balance = "82.47", type = TransactionType.DEBIT),
        )
        val report = validate(rows, context(Platform.XERO))
        check(!report.valid) { "expected errors" }
        val issue = report.only(Code.BALANCE_MISMATCH)
        assertEquals(1u, issue.row, "row")
        assertEquals("b", issue.id, "id")
        assertEquals(Field.BALANCE, issue.field, "field")
        assertEquals("82.46", issue.expected, "expected")
        assertEquals("82.47", issue.found, "found")
        assertEquals(Severity.ERROR, issue.severity, "severity")
        assertEquals("balance_mismatch", issue.codeText, "code text")
        assertEquals(1u, report.errorCount, "error count")
        check(report.summary.contains("balance_mismatch")) { report.summary }
    }

    test("validate changes nothing, so rows out of order are reported, not sorted") {
        val rows = listOf(tx("b", "2024-05-02", "1.00"), tx("a", "2024-05-01", "1.00"))
        assertEquals(1u, validate(rows, context()).only(Code.NOT_CHRONOLOGICAL).row, "row")
        check(prepare(rows, options()).report.issues.none { it.code == Code.NOT_CHRONOLOGICAL }) { "prepare sorts" }
    }

    test("future dates are judged against the given today") {
        val report = validate(listOf(tx("a", "2024-06-02", "1.00", balance = "1.00")), context(Platform.XERO))
        assertEquals(0u, report.only(Code.FUTURE_DATE).row, "row")
    }

    test("a source account that is not connected is refused for transactions") {
        val account = AccountContext(currency = "GBP", status = SourceAccountStatus.PENDING)
        val report = validate(listOf(tx("a", "2024-05-01", "1.00")), context(account = account))
        assertEquals(listOf(Code.ACCOUNT_NOT_CONNECTED), report.codes(), "codes")
        assertEquals(Field.ACCOUNT_STATUS, report.only(Code.ACCOUNT_NOT_CONNECTED).field, "field")
        val fine = AccountContext(currency = "GBP", sortCode = "12-34-56", status = SourceAccountStatus.CONNECTED)
        check(validate(listOf(tx("a", "2024-05-01", "1.00")), context(account = fine)).valid) { "connected GBP account" }
    }

    test("a source account's own rules: sort code, currency, account kind") {
        assertEquals(listOf(Code.SORT_CODE_REQUIRED), validateAccount(AccountContext(currency = "GBP"), Platform.XERO).codes(), "no sort code")
        val bad = validateAccount(AccountContext(id = "acc-1", currency = "GBP", sortCode = "12-34-5"), Platform.XERO).only(Code.INVALID_SORT_CODE)
        assertEquals(Field.SORT_CODE, bad.field, "field")
        assertEquals("acc-1", bad.id, "id")
        assertEquals(listOf(Code.UNSUPPORTED_ACCOUNT_TYPE), validateAccount(AccountContext(currency = "EUR", accountType = "Savings"), Platform.XERO).codes(), "kind")
        assertEquals(listOf(Code.UNKNOWN_CURRENCY), validateAccount(AccountContext(currency = "XYZ"), Platform.GENERIC).codes(), "currency")
        check(validateAccount(AccountContext(currency = "GBP", sortCode = "123456", accountType = "Debit"), Platform.XERO).valid) { "valid" }
    }

    test("too many decimals for the account's currency") {
        val account = AccountContext(currency = "JPY")
        val report = validate(listOf(tx("a", "2024-05-01", "100.5")), context(account = account))
        assertEquals(Field.AMOUNT, report.only(Code.TOO_MANY_DECIMALS).field, "field")
    }

    test("normalisation reports every change: trimmed text, exact duplicates dropped") {
        val rows = listOf(
            tx("a", "2024-05-01", "1.00", description = "  Coffee  "),
            tx("a", "2024-05-01", "1.00", description = "  Coffee  "),
        )
        val prepared = prepare(rows, options())
        assertEquals(listOf("Coffee"), prepared.transactions.map { it.description }, "descriptions")
        val trimmed = prepared.changes.filter { it.kind == ChangeKind.TRIMMED }
        check(trimmed.isNotEmpty() && trimmed[0].before == "  Coffee  " && trimmed[0].after == "Coffee") { "$trimmed" }
        assertEquals(1u, prepared.changes.single { it.kind == ChangeKind.DUPLICATE_DROPPED }.row, "dropped row")
        check(prepared.report.valid) { prepared.report.summary }
    }

    test("conflicting duplicates are refused") {
        val rows = listOf(tx("a", "2024-05-01", "1.00"), tx("a", "2024-05-01", "2.00"))
        val report = prepare(rows, options()).report
        check(report.codes().contains(Code.CONFLICTING_DUPLICATE)) { report.summary }
        check(!report.valid) { "invalid" }
    }

    test("switches left out take the platform's defaults; switches given are honoured") {
        val rows = listOf(tx("b", "2024-05-02", "1.00"), tx("a", "2024-05-01", "1.00"))
        val unsorted = prepare(rows, options(normalise = NormaliseOptions(sort = false)))
        assertEquals(listOf("b", "a"), unsorted.transactions.map { it.id }, "order")
        assertEquals(1000u, prepare(rows, options(Platform.XERO)).batchSize, "Xero batch size")
        assertEquals(250u, prepare(rows, options(normalise = NormaliseOptions(batchSize = 250u))).batchSize, "batch size")
    }

    test("balances computed backward from the closing balance, exactly") {
        val rows = listOf(tx("a", "2024-05-01", "0.10"), tx("b", "2024-05-02", "0.20"), tx("c", "2024-05-03", "-0.05"))
        val prepared = prepare(rows, options(Platform.XERO, NormaliseOptions(balances = BalanceFill.Closing(BigDecimal("1.00")))))
        assertEquals(listOf(BigDecimal("0.85"), BigDecimal("1.05"), BigDecimal("1.00")), prepared.transactions.map { it.balance }, "balances")
        check(prepared.report.valid) { prepared.report.summary }
        check(prepared.changes.any { it.kind == ChangeKind.BALANCES_COMPUTED }) { "change reported" }
    }

    test("wall-clock dates come back as the same LocalDateTime, nanoseconds included") {
        val date = LocalDateTime.of(2023, 9, 6, 9, 13, 40, 226_666_700)
        val row = Transaction(id = "a", date = date, amount = BigDecimal("1"))
        val back = prepare(listOf(row), options()).transactions.single()
        assertEquals(date, back.date, "date")
        assertEquals(BigDecimal("1"), back.amount, "amount")
    }

    test("platform keys and rules") {
        assertEquals(Platform.XERO, platformForKey("gbol"), "gbol")
        assertEquals(Platform.QUICK_BOOKS_ONLINE, platformForKey("hcws"), "hcws")
        assertEquals(Platform.GENERIC, platformForKey("zzzz"), "unknown key")
        val xero = platformRules(Platform.XERO)
        assertEquals(Platform.XERO, xero.platform, "platform")
        assertEquals(1000u, xero.maxBatch, "max batch")
        assertEquals(Severity.ERROR, xero.missingBalance, "missing balance")
        for (p in Platform.entries) assertEquals(p, platformRules(p).platform, "rules of $p")
    }

    test("prepareFile reads CSV and reports by data row") {
        val csv = "id,date,description,amount\nt2,2024-05-02,Coffee,-3.20\nt1,2024-05-01,Salary,2500.00\nt3,2024-02-30,Bad,1.00\n"
        val prepared = prepareFile(csv.toByteArray(), FileFormat.CSV, options())
        assertEquals(listOf("t1", "t2"), prepared.transactions.map { it.id }, "ids")
        val bad = prepared.report.only(Code.INVALID_DATE)
        assertEquals(2u, bad.row, "row")
        assertEquals(Field.DATE, bad.field, "field")
    }
}
