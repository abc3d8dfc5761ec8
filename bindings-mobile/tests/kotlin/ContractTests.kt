package bankfeeds.tests

import bankfeeds.*
import bankfeeds.tests.Harness.test
import java.io.File
import java.math.BigDecimal

/** `tests/contract/` of the repository, found from the working directory up. */
private fun contractFile(name: String): File {
    var dir: File? = File("").absoluteFile
    while (dir != null) {
        val f = File(dir, "tests/contract/$name")
        if (f.isFile) return f
        dir = dir.parentFile
    }
    error("tests/contract/$name not found above ${File("").absolutePath}")
}

fun contractTests() = Harness.suite("the contract every front end shares (docs/contract.md)") {
    test("validateFile takes the file as given, prepareFile normalises it first, as the CLI and Python do") {
        val bytes = contractFile("out-of-order-xero.csv").readBytes()
        val xero = ValidationContext(platform = Platform.XERO, today = TODAY)
        val asGiven = validateFile(bytes, FileFormat.CSV, xero)
        assertEquals(
            listOf(Code.NOT_CHRONOLOGICAL to "t1", Code.BALANCE_MISMATCH to "t1"),
            asGiven.issues.map { it.code to it.id },
            "as given",
        )
        val prepared = prepareFile(bytes, FileFormat.CSV, PrepareOptions(context = xero, normalise = NormaliseOptions()))
        assertEquals(listOf(Code.BALANCE_MISMATCH to "t3"), prepared.report.issues.map { it.code to it.id }, "prepared")
    }

    test("fillBalances fills from either end, as fillBalancesForward and fillBalancesBackward did") {
        val rows = listOf(tx("a", "2024-05-01", "-1.50"), tx("b", "2024-05-02", "10"))
        val back = fillBalances(rows, BalanceFill.Closing(BigDecimal("20.00")))
        assertEquals(BigDecimal("11.50"), back.opening, "opening")
        assertEquals(back, fillBalancesBackward(rows, BigDecimal("20.00")), "backward")
        val forward = fillBalances(rows, BalanceFill.Opening(BigDecimal("11.50")))
        assertEquals(forward.transactions.map { it.balance }, back.transactions.map { it.balance }, "forward")
    }

    test("every error's code is in the core's table") {
        val table = errorCodes()
        check("validation" in table && "decode" in table && "invalid_input" in table) { table.toString() }
        val bad = assertThrows<BankFeedsException.InvalidInput> {
            fillBalances(listOf(tx("a", "2024-05-01", "1")), BalanceFill.Opening(BigDecimal("79228162514264337593543950335")))
        }
        check(bad.code() in table) { bad.code() }
        val samples: List<BankFeedsException> = listOf(
            BankFeedsException.UnexpectedResponse(200u, "a proxy's page"),
            BankFeedsException.Configuration("no key"),
            BankFeedsException.Transport(timedOut = true, sent = true, reason = "slow"),
            BankFeedsException.Ledger("locked"),
        )
        assertEquals(listOf("decode", "config", "timeout", "ledger"), samples.map { it.code() }, "codes")
        samples.forEach { check(it.code() in table) { it.code() } }
    }
}
