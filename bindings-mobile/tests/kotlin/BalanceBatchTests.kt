package bankfeeds.tests

import bankfeeds.*
import bankfeeds.tests.Harness.test
import java.math.BigDecimal

fun balanceBatchTests() = Harness.suite("balance chains and batches") {
    test("fill forward adds to the cent: ten times 0.10 is exactly 1.00 more") {
        val rows = (0 until 10).map { tx("t$it", "2024-05-01", "0.10") }
        val chain = fillBalancesForward(rows, BigDecimal("0.20"))
        assertEquals(BigDecimal("1.20"), chain.closing, "closing")
        assertEquals(BigDecimal("0.20"), chain.opening, "opening")
        assertEquals(BigDecimal("0.30"), chain.transactions[0].balance, "first balance")
        assertEquals(rows.map { it.id }, chain.transactions.map { it.id }, "order kept")
    }

    test("fill backward from what the bank shows today") {
        val rows = listOf(tx("a", "2024-05-01", "100.00"), tx("b", "2024-05-02", "-17.54"))
        val chain = fillBalancesBackward(rows, BigDecimal("82.46"))
        assertEquals(BigDecimal("0.00"), chain.opening, "opening")
        assertEquals(listOf(BigDecimal("100.00"), BigDecimal("82.46")), chain.transactions.map { it.balance }, "balances")
    }

    test("verify finds a typo on its row and the next, with the difference") {
        val rows = listOf(
            tx("a", "2024-05-01", "100.00", balance = "100.00"),
            tx("b", "2024-05-02", "-100.00", balance = "0.00"),
            tx("c", "2024-05-03", "-60.00", balance = "-60.01"),
            tx("d", "2024-05-04", "-17.54", balance = "-77.54"),
        )
        val report = verifyBalances(rows, BigDecimal("0.00"))
        check(!report.intact) { "not intact" }
        assertEquals(listOf(2u, 3u), report.breaks.map { it.row }, "rows")
        val first = report.breaks[0]
        assertEquals("c", first.id, "id")
        assertEquals(BigDecimal("-60.00"), first.expected, "expected")
        assertEquals(BigDecimal("-60.01"), first.found, "found")
        assertEquals(BigDecimal("-0.01"), first.difference, "difference")
    }

    test("verify bridges missing balances and lists them") {
        val rows = listOf(
            tx("a", "2024-05-01", "10", balance = "10"),
            tx("b", "2024-05-02", "5"),
            tx("c", "2024-05-03", "1", balance = "16"),
        )
        val report = verifyBalances(rows, null)
        check(report.intact) { "intact" }
        assertEquals(listOf(1u), report.missing, "missing")
    }

    test("push bodies of at most 1000, in order, concatenating back to the input") {
        val rows = (0 until 2500).map { tx("t$it", "2024-05-01", "1.00") }
        val bodies = pushBodies("acc-1", rows, null)
        assertEquals(listOf(1000, 1000, 500), bodies.map { it.transactions.size }, "sizes")
        check(bodies.all { it.accountId == "acc-1" }) { "account ids" }
        assertEquals(rows, bodies.flatMap { it.transactions }, "concatenated bodies")
        assertEquals(listOf(3, 3, 3, 1), pushBodies("acc-1", rows.take(10), 3u).map { it.transactions.size }, "size 3")
        assertEquals(10, pushBodies("acc-1", rows.take(10), 0u).size, "size 0 is clamped to 1")
        assertEquals(emptyList<PushBody>(), pushBodies("acc-1", emptyList(), 5u), "no rows, no bodies")
    }

    test("one FFI call takes 100,000 rows") {
        val rows = (0 until 100_000).map { tx("t$it", "2024-05-01", "0.01") }
        val chain = fillBalancesForward(rows, BigDecimal.ZERO)
        assertEquals(BigDecimal("1000.00"), chain.closing, "closing")
        val prepared = prepare(chain.transactions, options(Platform.XERO))
        check(prepared.report.valid) { prepared.report.summary.take(500) }
        assertEquals(100_000, prepared.transactions.size, "rows")
    }
}
