package bankfeeds.tests

import bankfeeds.*
import bankfeeds.tests.Harness.test
import com.sun.net.httpserver.HttpServer
import kotlinx.coroutines.TimeoutCancellationException
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.callbackFlow
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import java.math.BigDecimal
import java.net.InetSocketAddress
import java.net.ServerSocket
import java.time.LocalDate
import java.util.concurrent.CopyOnWriteArrayList

data class Feed(val company: String, val connection: String, val account: String)

fun sandboxClient(sandbox: Sandbox, options: ClientOptions? = null) =
    BankFeedsClient(sandbox.url, Sandbox.AUTH_HEADER, Sandbox.AUTH_VALUE, options)

/** A company with a linked Xero connection and a GBP source account; mapped unless asked not to. */
suspend fun setUpFeed(client: BankFeedsClient, sandbox: Sandbox, map: Boolean = true): Feed {
    val company = client.createCompany("Toft Bakery", "bankfeeds-mobile tests")
    val connection = client.createConnection(company.id, "gbol")
    sandbox.link(company.id, connection.id)
    val account = client.createSourceAccount(
        company.id, connection.id,
        NewSourceAccount(
            id = "acc-001", accountName = "Business current", accountType = "Debit",
            accountNumber = "12345678", sortCode = "12-34-56", currency = "GBP", balance = BigDecimal("0.00"),
        ),
    )
    if (map) {
        val mapping = client.getAccountMappings(company.id, connection.id).single { it.sourceAccountId == account.id }
        val target = mapping.targetAccountOptions.first().id!!
        val result = client.mapSourceAccount(company.id, connection.id, account.id, target, LocalDate.of(2024, 1, 1))
        check(!result.failed) { "mapping failed: $result" }
    }
    return Feed(company.id, connection.id, account.id)
}

/** `n` transactions from 2024-05-01, alternating money in and out, with exact running balances. */
fun statement(n: Int, idPrefix: String = "tx"): List<Transaction> {
    val rows = (0 until n).map { i ->
        tx("$idPrefix-$i", LocalDate.of(2024, 5, 1).plusDays((i / 100).toLong()).toString(),
            if (i % 2 == 0) "100.10" else "-17.54", description = "Line $i")
    }
    return fillBalancesForward(rows, BigDecimal("0.00")).transactions
}

/** The README's snippet: a push's progress as a Kotlin Flow. */
fun BankFeedsClient.pushWithProgress(c: String, k: String, a: String, rows: List<Transaction>, options: PushOptions): Flow<PushProgress> =
    callbackFlow {
        pushTransactions(c, k, a, rows, options, object : PushProgressListener {
            override fun onProgress(progress: PushProgress) { trySend(progress) }
        })
        close()
    }

fun clientTests() = Harness.suite("async client against the sandbox") {
    test("configuration errors are Configuration, with nothing sent") {
        val bad = listOf(
            { BankFeedsClient("not a url", "Authorization", "Bearer x", null) },
            { BankFeedsClient("ftp://bank.example", "Authorization", "Bearer x", null) },
            { BankFeedsClient("https://bank.example", "Bad Header", "x", null) },
            { BankFeedsClient("https://bank.example", "Authorization", "line\nbreak", null) },
            { BankFeedsClient("https://bank.example", "Authorization", "Bearer x", ClientOptions(requestTimeoutSeconds = -1.0)) },
            { BankFeedsClient("https://bank.example", "Authorization", "Bearer x", ClientOptions(connectTimeoutSeconds = Double.NaN)) },
        )
        for ((i, make) in bad.withIndex()) {
            val e = assertThrows<BankFeedsException.Configuration> { make() }
            check(!e.reason.contains("Bearer x")) { "case $i leaks the header value: ${e.reason}" }
        }
        val ok = BankFeedsClient("https://bank.example/codat", "Authorization", "Bearer secret-token")
        check(ok.baseUrl().startsWith("https://bank.example/codat")) { ok.baseUrl() }
        check(!ok.toString().contains("secret-token")) { ok.toString() }
    }

    test("network options: bad PEMs, stores and proxies are Configuration errors naming the option") {
        val bad = listOf(
            ClientOptions(trustStore = "system") to "webpki",
            ClientOptions(caCertificatesPem = listOf("not a pem")) to "add_ca",
            ClientOptions(clientCertificatePem = "junk", clientKeyPem = "-----BEGIN PRIVATE KEY-----\nSECRETKEY\n") to "client_identity",
            ClientOptions(clientCertificatePem = "only the certificate") to "client_key_pem",
            ClientOptions(proxy = "not a url") to "proxy",
        )
        for ((options, name) in bad) {
            val e = assertThrows<BankFeedsException.Configuration> {
                BankFeedsClient("https://bank.example", "Authorization", "Bearer x", options)
            }
            check(e.reason.contains(name) && !e.reason.contains("SECRETKEY")) { "$options: ${e.reason}" }
        }
        BankFeedsClient("https://bank.example", "Authorization", "Bearer x",
            ClientOptions(proxy = "http://proxy.bank.example:3128", noProxy = "localhost", proxyFromEnv = false))
        val e = assertThrows<BankFeedsException.Configuration> {
            BankFeedsClient("https://bank.example", "Authorization", "Bearer x").withOptions(requestTimeoutSeconds = 0.0)
        }
        check(e.reason.contains("timeout")) { e.reason }
    }

    Sandbox("--push-delay-ms", "20").use { sandbox ->
        test("the log listener hears every request, never the authorisation; rate limits reach their listener") {
            val lines = CopyOnWriteArrayList<Pair<LogLevel, String>>()
            val rates = CopyOnWriteArrayList<RateLimit>()
            val client = BankFeedsClient(sandbox.url, Sandbox.AUTH_HEADER, Sandbox.AUTH_VALUE, null,
                object : RateLimitListener {
                    override fun onRateLimit(rateLimit: RateLimit) { rates += rateLimit }
                })
            setLogListener(object : LogListener {
                override fun log(level: LogLevel, target: String, message: String) { lines += level to message }
            }, LogLevel.DEBUG)
            try {
                runBlocking {
                    val company = client.createCompany("Logged", null)
                    client.withOptions(requestTimeoutSeconds = 5.0, maxAttempts = 1u).getCompany(company.id)
                }
            } finally {
                setLogListener(null, LogLevel.DEBUG)
            }
            val answered = lines.filter { it.second.contains(": answered") }
            assertEquals(2, answered.size, "answered lines: $lines")
            check(answered.all { it.first == LogLevel.DEBUG }) { "$answered" }
            check(answered[0].second.contains("method=\"POST\"") && answered[0].second.contains("status=200")) { "$answered" }
            val secret = Sandbox.AUTH_VALUE.removePrefix("Basic ")
            check(lines.none { it.second.contains(secret) || it.second.contains("sandbox-key") }) { "$lines" }
            assertEquals(2, rates.size, "rate limits: $rates")
            check(rates.all { (it.limit ?: 0uL) >= 1000uL && it.reset != null }) { "$rates" }
        }

        val client = sandboxClient(sandbox)

        test("companies, connections with their link URL, source accounts and mapping status") {
            runBlocking {
                val company = client.createCompany("Toft Bakery", null)
                check(company.id.isNotEmpty() && company.created != null) { "$company" }
                assertEquals("Toft Bakery", client.getCompany(company.id).name, "name")
                val page = client.listCompanies(ListOptions(pageSize = 50u))
                check(page.companies.any { it.id == company.id }) { "listed" }
                check(page.totalResults >= 1uL) { "total" }

                val connection = client.createConnection(company.id, "gbol")
                assertEquals(ConnectionStatus.PENDING_AUTH, connection.status, "status")
                assertEquals(Platform.XERO, connection.platform, "platform")
                assertEquals("gbol", connection.platformKey, "key")
                check(connection.linkUrl?.startsWith("http") == true) { "link URL: ${connection.linkUrl}" }
                sandbox.link(company.id, connection.id)
                val linked = client.getConnection(company.id, connection.id)
                assertEquals(ConnectionStatus.LINKED, linked.status, "linked")
                assertEquals(null, linked.linkUrl, "no link URL once linked")
                assertEquals(listOf(connection.id), client.listConnections(company.id).map { it.id }, "connections")

                client.createSourceAccount(company.id, connection.id,
                    NewSourceAccount(id = "acc-9", accountName = "Savings", accountType = "Debit", accountNumber = "87654321",
                        sortCode = "12-34-56", currency = "GBP", balance = BigDecimal("1550.10")))
                val account = client.listSourceAccounts(company.id, connection.id).single()
                assertEquals(SourceAccountStatus.PENDING, account.status, "pending until mapped")
                assertEquals(BigDecimal("1550.10"), account.balance, "balance exact")
                val mapping = client.getAccountMappings(company.id, connection.id).single()
                check(!mapping.mapped && mapping.targetAccountOptions.isNotEmpty()) { "$mapping" }
                val result = client.mapSourceAccount(company.id, connection.id, "acc-9", mapping.targetAccountOptions[0].id!!, LocalDate.of(2024, 1, 1))
                check(!result.failed) { "$result" }
                check(client.getAccountMappings(company.id, connection.id).single().mapped) { "mapped" }
                assertEquals(SourceAccountStatus.CONNECTED, client.listSourceAccounts(company.id, connection.id).single().status, "connected")
            }
        }

        test("push 2500 transactions in three batches with observable progress; amounts stored exactly") {
            Sandbox("--push-delay-ms", "20").use { sandbox -> runBlocking {
                val client = sandboxClient(sandbox)
                val feed = setUpFeed(client, sandbox)
                val rows = statement(2500)
                val seen = CopyOnWriteArrayList<PushProgress>()
                val listener = object : PushProgressListener {
                    override fun onProgress(progress: PushProgress) { seen += progress }
                }
                val ledger = TempLedgers.file()
                val report = client.pushTransactions(feed.company, feed.connection, feed.account, rows,
                    PushOptions(ledgerPath = ledger, batchSize = 1000u, today = TODAY, pollIntervalSeconds = 0.02), listener)
                check(report.complete) { report.summary }
                assertEquals(2500u, report.pushed, "pushed")
                assertEquals(listOf(1000u, 1000u, 500u), report.batches.map { it.transactions }, "batches")
                check(report.batches.all { it.status == PushOperationStatus.SUCCESS }) { "${report.batches}" }
                assertEquals(Platform.XERO, report.platform, "platform")
                assertEquals(null, report.stopped, "stopped")

                val stages = seen.map { it.stage }.toSet()
                check(stages.containsAll(listOf(PushStage.CHECKING, PushStage.SENDING, PushStage.WAITING, PushStage.BATCH_DONE, PushStage.FINISHED))) { "$stages" }
                assertEquals(2500u, seen.last().transactionsDone, "last progress")
                assertEquals(3u, seen.last().batchesTotal, "batches total")

                val op = client.getPushOperation(feed.company, report.batches[0].operationKey)
                assertEquals(PushOperationStatus.SUCCESS, op.status, "operation")
                check(op.completedOn != null) { "completed" }
                assertEquals(PushOperationStatus.SUCCESS, client.waitForPushOperation(feed.company, op.pushOperationKey).status, "wait")

                val stored = sandbox.stored(feed.company, feed.connection, feed.account)
                check(stored.contains("\"amount\":-17.54") && stored.contains("\"amount\":100.10")) { stored.take(300) }
                check(stored.contains("\"balance\":${rows.last().balance!!.toPlainString()}")) { "closing balance stored exactly" }
                val account = client.listSourceAccounts(feed.company, feed.connection).single()
                assertEquals(rows.last().balance, account.balance, "account balance")

                val again = client.pushTransactions(feed.company, feed.connection, feed.account, rows, pushOptions(ledger))
                assertEquals(2500, again.alreadyPushed.size, "already pushed")
                assertEquals(0u, again.pushed, "pushed again")
                check(again.complete) { again.summary }
            } }
        }

        test("Validation: nothing is sent when a transaction has an error, and the report says why") {
            runBlocking {
                val feed = setUpFeed(client, sandbox)
                val rows = statement(3).toMutableList()
                rows[2] = rows[2].copy(balance = rows[2].balance!!.add(BigDecimal("0.01")))
                val e = assertThrows<BankFeedsException.Validation> {
                    runBlocking { client.pushTransactions(feed.company, feed.connection, feed.account, rows, pushOptions()) }
                }
                val issue = e.report.issues.single { it.code == Code.BALANCE_MISMATCH }
                assertEquals(2u, issue.row, "row")
                check(e.toString().contains("balance_mismatch")) { e.toString() }
                check(!sandbox.stored(feed.company, feed.connection, feed.account).contains("tx-0")) { "nothing stored" }

                val unmapped = setUpFeed(client, sandbox, map = false)
                val notConnected = assertThrows<BankFeedsException.Validation> {
                    runBlocking { client.pushTransactions(unmapped.company, unmapped.connection, unmapped.account, statement(2), pushOptions()) }
                }
                check(notConnected.report.issues.any { it.code == Code.ACCOUNT_NOT_CONNECTED }) { notConnected.report.summary }
            }
        }

        test("SourceAccountNotFound names the account") {
            runBlocking {
                val feed = setUpFeed(client, sandbox)
                val e = assertThrows<BankFeedsException.SourceAccountNotFound> {
                    runBlocking { client.pushTransactions(feed.company, feed.connection, "no-such-account", statement(1), pushOptions()) }
                }
                assertEquals("no-such-account", e.accountId, "account")
                assertEquals(feed.company, e.companyId, "company")
            }
        }

        test("Api keeps the status, Codat's message, correlation id and whether to retry") {
            runBlocking {
                val notFound = assertThrows<BankFeedsException.Api> { runBlocking { client.getCompany("00000000-0000-0000-0000-000000000000") } }
                assertEquals(404u, notFound.status, "status")
                check(!notFound.retryable) { "404 is not retryable" }
                check(notFound.codatError != null) { "Codat's error text" }
                check(!notFound.correlationId.isNullOrEmpty()) { "correlation id: $notFound" }

                val stranger = BankFeedsClient(sandbox.url, "Authorization", "Bearer not-basic")
                val unauthorised = assertThrows<BankFeedsException.Api> { runBlocking { stranger.listCompanies(ListOptions()) } }
                assertEquals(401u, unauthorised.status, "status")
                check(!unauthorised.reason.contains("not-basic")) { "the header value never shows: ${unauthorised.reason}" }

                val once = sandboxClient(sandbox, ClientOptions(maxAttempts = 1u))
                try {
                    sandbox.faults("""{"rules":[{"kind":"status","status":503,"limit":1}]}""")
                    val down = assertThrows<BankFeedsException.Api> { runBlocking { once.listCompanies(ListOptions()) } }
                    assertEquals(503u, down.status, "status")
                    check(down.retryable) { "503 is retryable" }
                    sandbox.faults("""{"rules":[{"kind":"rateLimit","retryAfterSecs":7,"limit":1}]}""")
                    val limited = assertThrows<BankFeedsException.Api> { runBlocking { once.listCompanies(ListOptions()) } }
                    assertEquals(429u, limited.status, "status")
                    assertEquals(7uL, limited.retryAfterSeconds, "retry after")
                    val quota = limited.rateLimit ?: error("a 429 carries the rate-limit headers")
                    assertEquals(0uL, quota.remaining, "remaining on a 429")
                    check((quota.limit ?: 0uL) >= 1000uL) { "limit: $quota" }
                    // With retries on (the default), the same fault is retried away.
                    sandbox.faults("""{"rules":[{"kind":"status","status":503,"limit":1}]}""")
                    client.listCompanies(ListOptions())
                } finally {
                    sandbox.clearFaults()
                }
            }
        }

        test("Transport: nothing listening, a dropped connection, a timeout") {
            runBlocking {
                val port = ServerSocket(0).use { it.localPort }
                val nowhere = BankFeedsClient("http://127.0.0.1:$port", "Authorization", "Bearer x", ClientOptions(maxAttempts = 1u))
                val refused = assertThrows<BankFeedsException.Transport> { runBlocking { nowhere.listCompanies(ListOptions()) } }
                check(!refused.sent && !refused.timedOut) { "$refused" }

                val once = sandboxClient(sandbox, ClientOptions(maxAttempts = 1u, requestTimeoutSeconds = 0.5))
                try {
                    sandbox.faults("""{"rules":[{"kind":"dropBeforeApply","limit":1}]}""")
                    val dropped = assertThrows<BankFeedsException.Transport> { runBlocking { once.listCompanies(ListOptions()) } }
                    check(!dropped.timedOut) { "$dropped" }
                    sandbox.faults("""{"rules":[{"kind":"slow","delayMs":3000,"limit":1}]}""")
                    val slow = assertThrows<BankFeedsException.Transport> { runBlocking { once.listCompanies(ListOptions()) } }
                    check(slow.timedOut) { "$slow" }
                } finally {
                    sandbox.clearFaults()
                }
            }
        }

        test("UnexpectedResponse: a server that is not the API") {
            val server = HttpServer.create(InetSocketAddress("127.0.0.1", 0), 0)
            server.createContext("/") { ex ->
                val body = "<html>Captive portal</html>".toByteArray()
                ex.sendResponseHeaders(200, body.size.toLong())
                ex.responseBody.use { it.write(body) }
            }
            server.start()
            try {
                val portal = BankFeedsClient("http://127.0.0.1:${server.address.port}", "Authorization", "Bearer x")
                val e = assertThrows<BankFeedsException.UnexpectedResponse> { runBlocking { portal.getCompany("c1") } }
                assertEquals(200u, e.status, "status")
            } finally {
                server.stop(0)
            }
        }

        test("a push whose answer is lost is found again, never sent twice") {
            runBlocking {
                val feed = setUpFeed(client, sandbox)
                try {
                    sandbox.faults("""{"rules":[{"kind":"dropAfterApply","method":"POST","path":"/companies/*/connections/*/push/bankAccounts/*/bankTransactions","limit":1}]}""")
                    val report = client.pushTransactions(feed.company, feed.connection, feed.account, statement(5), pushOptions())
                    check(report.complete) { report.summary }
                    check(report.batches.single().recovered) { "${report.batches}" }
                } finally {
                    sandbox.clearFaults()
                }
                val stored = sandbox.stored(feed.company, feed.connection, feed.account)
                assertEquals(5, Regex("\"id\":\"tx-").findAll(stored).count(), "stored once")
            }
        }

        test("a push whose outcome cannot be found out is not resent; the next push finds it through the ledger") {
            runBlocking {
                val feed = setUpFeed(client, sandbox)
                val once = sandboxClient(sandbox, ClientOptions(maxAttempts = 1u))
                val ledger = TempLedgers.file()
                try {
                    // The first list of push operations (what was already pushed) goes through;
                    // the look-up after the lost answer fails.
                    sandbox.faults("""{"rules":[
                        {"kind":"dropAfterApply","method":"POST","path":"/companies/*/connections/*/push/bankAccounts/*/bankTransactions","limit":1},
                        {"kind":"status","status":500,"method":"GET","path":"/companies/*/push","nth":[2,3,4,5,6,7,8,9,10]}]}""")
                    val report = once.pushTransactions(feed.company, feed.connection, feed.account, statement(3), pushOptions(ledger))
                    val stopped = report.stopped ?: fail("no stop: ${report.summary}")
                    assertEquals(PushStopReason.REQUEST_FAILED, stopped.reason, "reason")
                    assertEquals("push_outcome_unknown", stopped.errorCode, "error code")
                    check(stopped.message.contains("unknown outcome")) { stopped.message }
                    assertEquals(3u, report.notPushed, "not pushed")
                } finally {
                    sandbox.clearFaults()
                }
                // Applied once, by the lost request; never sent again.
                val stored = sandbox.stored(feed.company, feed.connection, feed.account)
                assertEquals(3, Regex("\"id\":\"tx-").findAll(stored).count(), "stored once")

                // As after a crash between sending and the answer: the ledger still has the batch
                // as SENDING, and the next push looks it up before sending anything.
                val rerun = client.pushTransactions(feed.company, feed.connection, feed.account, statement(3), pushOptions(ledger))
                check(rerun.complete) { rerun.summary }
                assertEquals(BatchState.SUCCESS, rerun.recovered.single().state, "recovered")
                assertEquals(listOf("tx-0", "tx-1", "tx-2"), rerun.alreadyPushed, "already pushed")
                assertEquals(0u, rerun.pushed, "nothing sent")
                assertEquals(stored, sandbox.stored(feed.company, feed.connection, feed.account), "still stored once")
            }
        }

        test("a batch the platform times out stops the push as TIMED_OUT, not as a failure") {
            runBlocking {
                val feed = setUpFeed(client, sandbox)
                try {
                    sandbox.faults("""{"rules":[{"kind":"pushTimedOut","limit":1}]}""")
                    val report = client.pushTransactions(feed.company, feed.connection, feed.account, statement(4), pushOptions(batchSize = 2u))
                    check(!report.complete) { report.summary }
                    val stopped = report.stopped ?: fail("no stop")
                    assertEquals(PushStopReason.TIMED_OUT, stopped.reason, "reason")
                    assertEquals(0u, stopped.batch, "batch")
                    assertEquals(PushOperationStatus.TIMED_OUT, stopped.status, "status")
                    assertEquals(listOf("tx-0", "tx-1"), stopped.transactionIds, "its transactions")
                    assertEquals(null, stopped.errorCode, "no error")
                    assertEquals(listOf(HeldBatch(stopped.operationKey!!, listOf("tx-0", "tx-1"))), report.timedOut, "held for reconciliation")
                    assertEquals(4u, report.notPushed, "not pushed")
                } finally {
                    sandbox.clearFaults()
                }
            }
        }

        test("progress as a Kotlin Flow") {
            runBlocking {
                val feed = setUpFeed(client, sandbox)
                val seen = client.pushWithProgress(feed.company, feed.connection, feed.account, statement(4), pushOptions()).toList()
                assertEquals(PushStage.FINISHED, seen.last().stage, "last stage")
                assertEquals(4u, seen.last().transactionsDone, "transactions")
            }
        }

        test("a listener that throws does not stop the push") {
            runBlocking {
                val feed = setUpFeed(client, sandbox)
                var calls = 0
                val angry = object : PushProgressListener {
                    override fun onProgress(progress: PushProgress) {
                        calls++
                        throw IllegalStateException("boom")
                    }
                }
                val report = client.pushTransactions(feed.company, feed.connection, feed.account, statement(3), pushOptions(), angry)
                check(report.complete) { report.summary }
                check(calls >= 3) { "the listener was called $calls time(s)" }
            }
        }
    }

    Sandbox("--push-delay-ms", "600000").use { slow ->
        val client = sandboxClient(slow)
        test("pending pushes: StillPending in the report, WaitTimeout from a wait, and cancellation") {
            runBlocking {
                val feed = setUpFeed(client, slow)
                val report = client.pushTransactions(feed.company, feed.connection, feed.account, statement(2),
                    PushOptions(ledgerPath = TempLedgers.file(), today = TODAY, pollIntervalSeconds = 0.05, waitTimeoutSeconds = 0.2))
                val stopped = report.stopped ?: fail("no stop: ${report.summary}")
                assertEquals(PushStopReason.STILL_PENDING, stopped.reason, "reason")
                val key = stopped.operationKey ?: fail("no operation key")
                assertEquals(PushOperationStatus.PENDING, client.getPushOperation(feed.company, key).status, "pending")

                val e = assertThrows<BankFeedsException.WaitTimeout> {
                    runBlocking { client.waitForPushOperation(feed.company, key, 0.05, 0.3) }
                }
                assertEquals(key, e.operationKey, "key")
                assertEquals(PushOperationStatus.PENDING, e.status, "status")

                val t0 = System.nanoTime()
                assertThrows<TimeoutCancellationException> {
                    runBlocking { withTimeout(300) { client.waitForPushOperation(feed.company, key, 0.05, 600.0) } }
                }
                check((System.nanoTime() - t0) / 1_000_000 < 5_000) { "cancelled promptly" }
                assertEquals(PushOperationStatus.PENDING, client.getPushOperation(feed.company, key).status, "client still works")
            }
        }
    }
}
