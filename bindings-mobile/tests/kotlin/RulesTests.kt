package bankfeeds.tests

import bankfeeds.*
import bankfeeds.tests.Harness.test
import com.sun.net.httpserver.HttpServer
import kotlinx.coroutines.runBlocking
import java.math.BigDecimal
import java.net.InetSocketAddress
import java.time.LocalDateTime
import java.util.concurrent.atomic.AtomicInteger

/** Valid for Xero but for a Debit with a positive amount (row 1). */
private fun signs() = listOf(
    tx("s1", "2024-05-01", "100.00", balance = "100.00", type = TransactionType.CREDIT),
    tx("s2", "2024-05-02", "5.00", balance = "105.00", type = TransactionType.DEBIT),
)

private fun xero(rules: Map<String, RuleLevel>? = null) =
    ValidationContext(platform = Platform.XERO, today = TODAY, rules = rules)

fun rulesTests() = Harness.suite("rules, their severities, today and redirects") {
    test("a sign that contradicts the type is a warning, as Codat gives it") {
        val report = validate(signs(), xero())
        check(report.valid) { report.summary }
        val issue = report.only(Code.SIGN_MISMATCH)
        assertEquals(Severity.WARNING, issue.severity, "severity")
        assertEquals(1u, issue.row, "row")
    }

    test("rules set any rule's severity, in validate and prepare") {
        val strict = validate(signs(), xero(mapOf("sign_mismatch" to RuleLevel.ERROR)))
        check(!strict.valid) { strict.summary }
        assertEquals(Severity.ERROR, strict.only(Code.SIGN_MISMATCH).severity, "severity")
        assertEquals(emptyList<Code>(), validate(signs(), xero(mapOf("sign_mismatch" to RuleLevel.OFF))).codes(), "off")
        val prepared = prepare(signs(), PrepareOptions(context = xero(mapOf("sign_mismatch" to RuleLevel.ERROR)), normalise = NormaliseOptions()))
        check(!prepared.report.valid) { prepared.report.summary }
    }

    test("bad rules are InvalidInput naming what is allowed") {
        val unknown = assertThrows<BankFeedsException.InvalidInput> {
            validate(signs(), xero(mapOf("sign_mismatches" to RuleLevel.ERROR)))
        }
        check(unknown.reason.contains("unknown rule `sign_mismatches`") && unknown.reason.contains("balance_mismatch")) { unknown.reason }
        val fixed = assertThrows<BankFeedsException.InvalidInput> {
            validate(signs(), xero(mapOf("invalid_date" to RuleLevel.OFF)))
        }
        check(fixed.reason.contains("cannot be made a warning or turned off")) { fixed.reason }
    }

    test("Xero compares the newest transaction on the account by calendar date") {
        fun at(id: String, at: String) = Transaction(
            id = id, date = LocalDateTime.parse(at), amount = BigDecimal("1.00"), balance = BigDecimal("1.00"),
        )
        val rows = listOf(at("same-day", "2024-05-02T09:00:00"))
        val context = ValidationContext(platform = Platform.XERO, today = TODAY, latestExisting = LocalDateTime.parse("2024-05-02T12:00:00"))
        check(validate(rows, context).issues.none { it.code == Code.OLDER_THAN_LATEST }) { "same day is not older" }
        val older = listOf(at("day-before", "2024-05-01T23:00:00"))
        assertEquals(Severity.ERROR, validate(older, context).only(Code.OLDER_THAN_LATEST).severity, "severity")
    }

    test("the push takes a time zone, checked before anything is sent") {
        val nowhere = BankFeedsClient("http://127.0.0.1:9", "Authorization", "Bearer x", ClientOptions(maxAttempts = 1u))
        val bad = assertThrows<BankFeedsException.InvalidInput> {
            runBlocking { nowhere.pushTransactions("c", "k", "a", signs(), PushOptions(ledgerPath = TempLedgers.file(), timeZone = "Mars/Olympus_Mons")) }
        }
        check(bad.reason.contains("time zone")) { bad.reason }
        val both = assertThrows<BankFeedsException.InvalidInput> {
            runBlocking { nowhere.pushTransactions("c", "k", "a", signs(), PushOptions(ledgerPath = TempLedgers.file(), today = TODAY, timeZone = "Australia/Sydney")) }
        }
        check(both.reason.contains("not both")) { both.reason }
    }

    test("the custom auth header and the body never follow a redirect to another origin") {
        val elsewhere = HttpServer.create(InetSocketAddress("127.0.0.1", 0), 0)
        val reached = AtomicInteger()
        elsewhere.createContext("/") { ex ->
            reached.incrementAndGet()
            val body = """{"id":"c1","name":"Elsewhere","redirect":"r"}""".toByteArray()
            ex.sendResponseHeaders(200, body.size.toLong())
            ex.responseBody.use { it.write(body) }
        }
        elsewhere.start()
        val api = HttpServer.create(InetSocketAddress("127.0.0.1", 0), 0)
        api.createContext("/") { ex ->
            ex.requestBody.readBytes()
            ex.responseHeaders.add("Location", "http://127.0.0.1:${elsewhere.address.port}${ex.requestURI}")
            ex.sendResponseHeaders(307, -1)
            ex.close()
        }
        api.start()
        try {
            val client = BankFeedsClient("http://127.0.0.1:${api.address.port}", "X-Api-Key", "tok-SECRET-9", ClientOptions(maxAttempts = 1u))
            for (call in listOf<suspend () -> Unit>({ client.getCompany("c1") }, { client.createCompany("Toft", null) })) {
                val e = assertThrows<BankFeedsException.Api> { runBlocking { call() } }
                assertEquals(307u, e.status, "status")
                check(e.reason.contains("another origin") && !e.reason.contains("tok-SECRET-9")) { e.reason }
            }
            assertEquals(0, reached.get(), "requests that reached the other origin")
        } finally {
            api.stop(0)
            elsewhere.stop(0)
        }
    }
}
