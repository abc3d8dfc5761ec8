package bankfeeds.tests

import bankfeeds.*
import bankfeeds.tests.Harness.test
import java.math.BigDecimal
import java.util.concurrent.Callable
import java.util.concurrent.Executors

/** Hostile input must come back as findings or BankFeedsException: a Rust panic would surface as
 *  uniffi's InternalException, which every test here would report as a failure. */
fun hostileInputTests() = Harness.suite("hostile input") {
    test("an empty list is a warning, not an error") {
        val report = prepare(emptyList(), options()).report
        assertEquals(Severity.WARNING, report.only(Code.EMPTY_BATCH).severity, "severity")
        check(report.valid) { report.summary }
        assertEquals(emptyList<BalanceBreak>(), verifyBalances(emptyList(), null).breaks, "verify")
    }

    test("amounts out of an exact decimal's range are findings on their row; other rows go on") {
        val rows = listOf(
            tx("ok", "2024-05-01", "1.00"),
            tx("digits", "2024-05-01", "1234567890123456789012345678901234567890"),
            tx("huge", "2024-05-01", "1E+100"),
            tx("tiny", "2024-05-01", "1E-40"),
        )
        val prepared = prepare(rows, options())
        assertEquals(listOf("ok"), prepared.transactions.map { it.id }, "kept")
        val bad = prepared.report.issues.filter { it.code == Code.INVALID_NUMBER }
        assertEquals(listOf(1u, 2u, 3u), bad.map { it.row }, "rows")
        check(bad.all { it.field == Field.AMOUNT && it.severity == Severity.ERROR }) { "$bad" }
        assertEquals("digits", bad[0].id, "id")
    }

    test("dates outside 0000-9999 are findings") {
        val rows = listOf(
            Transaction(id = "far", date = at(10000, 1, 1), amount = BigDecimal.ONE),
            Transaction(id = "bce", date = at(-44, 3, 15), amount = BigDecimal.ONE),
            Transaction(id = "max", date = java.time.LocalDateTime.MAX, amount = BigDecimal.ONE),
        )
        val report = prepare(rows, options()).report
        assertEquals(listOf(0u, 1u, 2u), report.issues.filter { it.code == Code.INVALID_DATE }.map { it.row }, "rows")
    }

    test("empty and blank ids are refused") {
        val report = prepare(listOf(tx("", "2024-05-01", "1.00"), tx("   ", "2024-05-02", "1.00")), options()).report
        check(report.codes().count { it == Code.EMPTY_ID } >= 1) { report.summary }
        check(!report.valid) { "invalid" }
    }

    test("NUL bytes, emoji, RTL text and combining marks cross without harm") {
        val text = "a\u0000b 💸 \u202Eabc \u0301é"
        val row = tx("id\u0000💸", "2024-05-01", "-1.00", description = text)
        val back = prepare(listOf(row), options()).transactions.single()
        assertEquals(text, back.description, "description")
        assertEquals("id\u0000💸", back.id, "id")
    }

    test("a lone surrogate is refused by the generated Kotlin before any Rust runs") {
        // Not valid UTF-16, so it has no UTF-8 form; uniffi's string converter reports it.
        assertThrows<java.nio.charset.CharacterCodingException> {
            prepare(listOf(tx("x", "2024-05-01", "1.00", description = "bad \uD800 surrogate")), options())
        }
    }

    test("a 1 MB description is reported on Xero (2000 characters) and kept whole on generic rules") {
        val long = "é".repeat(1_000_000)
        val row = tx("a", "2024-05-01", "1.00", balance = "1.00", description = long)
        val xero = validate(listOf(row), context(Platform.XERO))
        assertEquals(Field.DESCRIPTION, xero.only(Code.DESCRIPTION_TOO_LONG).field, "field")
        assertEquals(long, prepare(listOf(row), options()).transactions.single().description, "kept")
        val cut = prepare(listOf(row), options(Platform.XERO, NormaliseOptions(truncate = true)))
        assertEquals(2000, cut.transactions.single().description!!.length, "truncated")
    }

    test("files that are not CSV or JSON are findings, including deep nesting") {
        val garbage = listOf(
            ByteArray(0),
            byteArrayOf(0xff.toByte(), 0xfe.toByte(), 0, 1, 2),
            "[".repeat(100_000).toByteArray(),
            "{\"transactions\": 5}".toByteArray(),
        )
        for ((i, bytes) in garbage.withIndex()) {
            val report = prepareFile(bytes, FileFormat.JSON, options()).report
            check(!report.valid || report.codes().contains(Code.EMPTY_BATCH)) { "json $i: ${report.summary}" }
        }
        val csv = prepareFile(byteArrayOf(0xff.toByte(), 0x00, 0x0a, 0x22), FileFormat.CSV, options()).report
        check(!csv.valid) { csv.summary }
    }

    test("a running balance overflow in prepare is a finding, not an exception") {
        val nines = "9".repeat(28)
        val rows = (0 until 8).map { tx("t$it", "2024-05-01", nines) }
        val prepared = prepare(rows, options(normalise = NormaliseOptions(balances = BalanceFill.Opening(BigDecimal(nines)))))
        check(prepared.report.codes().contains(Code.BALANCE_OVERFLOW)) { prepared.report.summary }
        check(!prepared.report.valid) { "invalid" }
    }

    test("extreme options are clamped, not trusted") {
        val rows = (0 until 3).map { tx("t$it", "2024-05-01", "1") }
        assertEquals(1000u, prepare(rows, options(normalise = NormaliseOptions(batchSize = UInt.MAX_VALUE))).batchSize, "batch size")
        assertEquals(1, pushBodies("", rows, UInt.MAX_VALUE).size, "bodies")
        assertEquals(Platform.GENERIC, platformForKey("\u0000".repeat(10_000)), "key")
    }

    test("calls from many threads at once") {
        val pool = Executors.newFixedThreadPool(8)
        try {
            val jobs = (0 until 32).map { n ->
                Callable {
                    val rows = (0 until 500).map { tx("t$n-$it", "2024-05-01", "0.01") }
                    fillBalancesForward(rows, BigDecimal.ZERO).closing
                }
            }
            val results = pool.invokeAll(jobs).map { it.get() }
            check(results.all { it == BigDecimal("5.00") }) { "$results" }
        } finally {
            pool.shutdown()
        }
    }
}
