package bankfeeds.tests

import bankfeeds.*
import bankfeeds.tests.Harness.test
import kotlinx.coroutines.runBlocking
import java.io.File
import java.math.BigDecimal
import java.time.Instant
import java.time.LocalDate
import java.time.LocalDateTime
import kotlin.concurrent.thread

/** `perDay` statement lines a day for `days` days from 2024-05-01 (ids `d<day>-<n>`), with exact
 *  running balances from 100.00. */
fun days(days: Int, perDay: Int = 3): List<Transaction> {
    val rows = (0 until days).flatMap { d ->
        (0 until perDay).map { n ->
            tx("d$d-$n", LocalDate.of(2024, 5, 1).plusDays(d.toLong()).toString(),
                if (n % 2 == 0) "25.00" else "-7.35", description = "Day $d line $n")
        }
    }
    return fillBalancesForward(rows, BigDecimal("100.00")).transactions
}

/** The ids the sandbox stored on the account (statement lines only), in the order stored. */
fun storedIds(sandbox: Sandbox, feed: Feed, prefix: String = "d"): List<String> =
    Regex("\"id\":\"($prefix[^\"]*)\"").findAll(sandbox.stored(feed.company, feed.connection, feed.account))
        .map { it.groupValues[1] }.toList()

fun ids(rows: List<Transaction>) = rows.map { it.id }

fun assertStoredOnce(sandbox: Sandbox, feed: Feed, expected: List<Transaction>) {
    val stored = storedIds(sandbox, feed)
    assertEquals(ids(expected).sorted(), stored.sorted(), "stored on the account, each once")
}

fun ledgerTests() = Harness.suite("push ledger and history policies") {
    test("a push needs a ledger: none, both or an empty path is Configuration, before any request") {
        // Nothing listens here: a request would be a Transport error, not Configuration.
        val nowhere = BankFeedsClient("http://127.0.0.1:9", "Authorization", "Bearer x", ClientOptions(maxAttempts = 1u))
        val rows = days(1)
        val none = assertThrows<BankFeedsException.Configuration> {
            runBlocking { nowhere.pushTransactions("c", "k", "a", rows, PushOptions(today = TODAY)) }
        }
        check(none.reason.contains("ledgerPath") && none.reason.contains("filesDir") && none.reason.contains("ledger (a PushLedger")) { none.reason }
        assertEquals("config", none.code(), "code")
        val both = assertThrows<BankFeedsException.Configuration> {
            runBlocking { nowhere.pushTransactions("c", "k", "a", rows, PushOptions(ledgerPath = TempLedgers.file(), ledger = KotlinLedger())) }
        }
        check(both.reason.contains("not both")) { both.reason }
        val blank = assertThrows<BankFeedsException.Configuration> {
            runBlocking { nowhere.pushTransactions("c", "k", "a", rows, PushOptions(ledgerPath = "  ")) }
        }
        check(blank.reason.contains("ledgerPath is empty")) { blank.reason }
    }

    Sandbox("--push-delay-ms", "20").use { sandbox ->
        val client = sandboxClient(sandbox)

        test("a ledger path that cannot be written is a Ledger error naming it; nothing is sent") {
            runBlocking {
                val feed = setUpFeed(client, sandbox)
                val plainFile = File(TempLedgers.folder(), "not-a-folder").apply { writeText("x") }
                val path = File(plainFile, "ledger.sqlite3").path
                val e = assertThrows<BankFeedsException.Ledger> {
                    runBlocking { client.pushTransactions(feed.company, feed.connection, feed.account, days(1), pushOptions(path)) }
                }
                check(e.reason.contains(plainFile.path)) { e.reason }
                assertEquals("ledger", e.code(), "code")
                assertEquals(emptyList<String>(), storedIds(sandbox, feed), "nothing stored")
            }
        }

        test("day 1 is pushed, its rerun sends nothing, day 2 pushes only the new rows: each row stored once") {
            runBlocking {
                val feed = setUpFeed(client, sandbox)
                // An app's files folder: the ledger goes in it as bankfeeds/ledger.sqlite3.
                val folder = TempLedgers.folder()
                val options = pushOptions(folder.path)
                val all = days(2)
                val day1 = all.take(3)

                val first = client.pushTransactions(feed.company, feed.connection, feed.account, day1, options)
                check(first.complete) { first.summary }
                assertEquals(3u, first.pushed, "day 1 pushed")
                check(File(folder, "bankfeeds/ledger.sqlite3").isFile) { "the ledger file is in the folder given" }

                val rerun = client.pushTransactions(feed.company, feed.connection, feed.account, day1, options)
                check(rerun.complete) { rerun.summary }
                assertEquals(0u, rerun.pushed, "rerun pushed")
                assertEquals(ids(day1), rerun.alreadyPushed, "rerun skipped")
                assertEquals(emptyList<BatchOutcome>(), rerun.batches, "nothing sent")
                assertEquals(0u, rerun.unknownOperations, "history known")

                val second = client.pushTransactions(feed.company, feed.connection, feed.account, all, options)
                check(second.complete) { second.summary }
                assertEquals(ids(day1), second.alreadyPushed, "day 1 skipped")
                assertEquals(3u, second.pushed, "day 2 pushed")
                val batch = second.batches.single()
                assertEquals(listOf("d1-0", "d1-2", "3"), listOf(batch.firstId, batch.lastId, batch.transactions.toString()), "day 2's batch")
                assertStoredOnce(sandbox, feed, all)
            }
        }

        test("a fresh ledger refuses unknown history; Trust and SkipThrough (a day, a day and an id) push what is new") {
            runBlocking {
                val feed = setUpFeed(client, sandbox)
                val all = days(3)
                val first = client.pushTransactions(feed.company, feed.connection, feed.account, all.take(3), pushOptions())
                check(first.complete) { first.summary }

                // Another device: its ledger knows nothing of the push above.
                val refused = assertThrows<BankFeedsException.HistoryUnknown> {
                    runBlocking { client.pushTransactions(feed.company, feed.connection, feed.account, all.take(6), pushOptions()) }
                }
                assertEquals(feed.account, refused.accountId, "account")
                assertEquals(listOf(first.batches.single().operationKey), refused.operations, "the unknown operation")
                check(refused.reason.contains("unknownHistory = UnknownHistory.Trust")) { refused.reason }
                check(refused.reason.contains("UnknownHistory.SkipThrough(date, id)") && refused.reason.contains(".skipThrough(date:id:)")) { refused.reason }
                assertEquals("history_unknown", refused.code(), "code")
                assertStoredOnce(sandbox, feed, all.take(3))

                val skipped = client.pushTransactions(feed.company, feed.connection, feed.account, all.take(6),
                    pushOptions(unknownHistory = UnknownHistory.SkipThrough(LocalDate.of(2024, 5, 1))))
                check(skipped.complete) { skipped.summary }
                assertEquals(ids(all.take(3)), skipped.skippedByCursor, "day 1 skipped by the cursor")
                assertEquals(3u, skipped.pushed, "day 2 pushed")
                assertEquals(1u, skipped.unknownOperations, "one operation unknown")
                assertStoredOnce(sandbox, feed, all.take(6))

                val trusted = client.pushTransactions(feed.company, feed.connection, feed.account, all.drop(6),
                    pushOptions(unknownHistory = UnknownHistory.Trust))
                check(trusted.complete) { trusted.summary }
                assertEquals(3u, trusted.pushed, "day 3 pushed")
                assertEquals(2u, trusted.unknownOperations, "two operations unknown")
                assertStoredOnce(sandbox, feed, all)

                // A day and an id: that day's rows up to and including the id are on the account.
                val other = setUpFeed(client, sandbox)
                client.pushTransactions(other.company, other.connection, other.account, all.take(2), pushOptions())
                val cursor = client.pushTransactions(other.company, other.connection, other.account, all.take(6),
                    pushOptions(unknownHistory = UnknownHistory.SkipThrough(LocalDate.of(2024, 5, 1), "d0-1")))
                check(cursor.complete) { cursor.summary }
                assertEquals(listOf("d0-0", "d0-1"), cursor.skippedByCursor, "skipped through d0-1")
                assertEquals(4u, cursor.pushed, "the rest pushed")
                assertStoredOnce(sandbox, other, all.take(6))

                val wrongId = assertThrows<BankFeedsException.Configuration> {
                    runBlocking {
                        client.pushTransactions(other.company, other.connection, other.account, all.take(6),
                            pushOptions(unknownHistory = UnknownHistory.SkipThrough(LocalDate.of(2024, 5, 1), "no-such-id")))
                    }
                }
                check(wrongId.reason.contains("no-such-id")) { wrongId.reason }
            }
        }

        test("a TIMED_OUT batch is held back on rerun and sent again only when resend names its ids") {
            runBlocking {
                val feed = setUpFeed(client, sandbox)
                // One day: Xero refuses rows older than the newest on the account, so a resend of
                // an earlier day's rows after a later day went would be refused.
                val rows = days(1, perDay = 4)
                val ledger = TempLedgers.file()
                val timedOut = try {
                    sandbox.faults("""{"rules":[{"kind":"pushTimedOut","method":"POST","path":"**/bankTransactions","nth":[1]}]}""")
                    client.pushTransactions(feed.company, feed.connection, feed.account, rows, pushOptions(ledger, batchSize = 2u))
                } finally {
                    sandbox.clearFaults()
                }
                val stopped = timedOut.stopped ?: fail("no stop: ${timedOut.summary}")
                assertEquals(PushStopReason.TIMED_OUT, stopped.reason, "reason")
                assertEquals(listOf("d0-0", "d0-1"), stopped.transactionIds, "the batch's rows")
                val key = stopped.operationKey ?: fail("no key")
                assertEquals(listOf(HeldBatch(key, listOf("d0-0", "d0-1"))), timedOut.timedOut, "held for reconciliation")
                assertEquals(PushOperationStatus.TIMED_OUT, client.getPushOperation(feed.company, key).status, "Codat's status")
                assertEquals(emptyList<String>(), storedIds(sandbox, feed), "nothing stored")

                val rerun = client.pushTransactions(feed.company, feed.connection, feed.account, rows, pushOptions(ledger, batchSize = 2u))
                assertEquals(listOf("d0-0", "d0-1"), rerun.heldBack, "held back")
                assertEquals(2u, rerun.pushed, "the rest pushed")
                check(!rerun.complete) { "not complete while rows are held back: ${rerun.summary}" }
                assertEquals(null, rerun.stopped, "no stop")
                assertEquals(listOf(key), rerun.timedOut.map { it.operationKey }, "still to reconcile")
                assertStoredOnce(sandbox, feed, rows.drop(2))

                // Checked in the accounting platform: not there. Send them again.
                val resent = client.pushTransactions(feed.company, feed.connection, feed.account, rows,
                    pushOptions(ledger, batchSize = 2u, resend = listOf("d0-0", "d0-1")))
                check(resent.complete) { resent.summary }
                assertEquals(2u, resent.pushed, "resent")
                assertEquals(listOf("d0-2", "d0-3"), resent.alreadyPushed, "already there")
                assertEquals(emptyList<HeldBatch>(), resent.timedOut, "nothing left to reconcile")
                assertStoredOnce(sandbox, feed, rows)

                val last = client.pushTransactions(feed.company, feed.connection, feed.account, rows, pushOptions(ledger))
                check(last.complete) { last.summary }
                assertEquals(0u, last.pushed, "nothing more")
            }
        }

        test("a ledger in Kotlin: each batch recorded with its operation key, the lease taken and given back") {
            runBlocking {
                val feed = setUpFeed(client, sandbox)
                val ledger = KotlinLedger()
                val all = days(2)
                val first = client.pushTransactions(feed.company, feed.connection, feed.account, all.take(3), pushOptions(ledger = ledger))
                check(first.complete) { first.summary }
                val batch = ledger.saved.values.single()
                assertEquals(BatchState.SUCCESS, batch.state, "state")
                assertEquals(first.batches.single().operationKey, batch.operationKey, "operation key")
                assertEquals(LedgerAccount(feed.company, feed.connection, feed.account), batch.account, "account")
                assertEquals(ids(all.take(3)), batch.transactionIds, "ids")
                assertEquals(LocalDateTime.of(2024, 5, 1, 0, 0), batch.oldest, "oldest")
                check(!batch.updatedAt.isBefore(batch.sentAt)) { "$batch" }
                val saves = ledger.calls.filter { it.startsWith("save") }
                assertEquals("save SENDING", saves.first(), "written before it is sent")
                assertEquals("save SUCCESS", saves.last(), "and when it ends")
                check(ledger.calls.first() == "acquire" && ledger.calls.last() == "release") { "${ledger.calls}" }
                assertEquals(0, ledger.leaseCount(), "lease given back")

                val rerun = client.pushTransactions(feed.company, feed.connection, feed.account, all.take(3), pushOptions(ledger = ledger))
                assertEquals(ids(all.take(3)), rerun.alreadyPushed, "rerun skipped")
                assertEquals(0u, rerun.pushed, "nothing sent")
                val second = client.pushTransactions(feed.company, feed.connection, feed.account, all, pushOptions(ledger = ledger))
                assertEquals(3u, second.pushed, "day 2 pushed")
                assertEquals(2, ledger.saved.size, "two batches recorded")
                assertStoredOnce(sandbox, feed, all)
            }
        }

        test("a Kotlin ledger that throws is BankFeedsException.Ledger or a stop, never a crash") {
            runBlocking {
                val feed = setUpFeed(client, sandbox)
                val broken = object : KotlinLedger() {
                    override fun batches(companyId: String, connectionId: String): List<LedgerBatch> =
                        throw IllegalStateException("disk full")
                }
                val e = assertThrows<BankFeedsException.Ledger> {
                    runBlocking { client.pushTransactions(feed.company, feed.connection, feed.account, days(1), pushOptions(ledger = broken)) }
                }
                check(e.reason.contains("java.lang.IllegalStateException: disk full")) { e.reason }
                check(!e.reason.contains("\tat ")) { "no stack trace in the message: ${e.reason}" }
                assertEquals("ledger", e.code(), "code")
                assertEquals(0, broken.leaseCount(), "lease given back")

                val full = object : KotlinLedger() {
                    override fun save(batch: LedgerBatch) = throw LedgerException.Storage("quota exceeded")
                }
                val report = client.pushTransactions(feed.company, feed.connection, feed.account, days(1), pushOptions(ledger = full))
                val stopped = report.stopped ?: fail("no stop: ${report.summary}")
                assertEquals(PushStopReason.REQUEST_FAILED, stopped.reason, "reason")
                assertEquals("ledger", stopped.errorCode, "error code")
                check(stopped.message.contains("quota exceeded")) { stopped.message }
                assertEquals(3u, report.notPushed, "not pushed")
                assertEquals(emptyList<String>(), storedIds(sandbox, feed), "nothing sent: a batch is recorded before it goes")

                // Values Rust cannot hold come back as a Ledger error too.
                val odd = KotlinLedger()
                odd.saved["b1"] = LedgerBatch("b1", LedgerAccount(feed.company, feed.connection, feed.account), null,
                    BatchState.SUCCESS, listOf("d0-0"), LocalDateTime.MAX, null, Instant.MAX, Instant.MAX)
                val unreadable = assertThrows<BankFeedsException.Ledger> {
                    runBlocking { client.pushTransactions(feed.company, feed.connection, feed.account, days(1), pushOptions(ledger = odd)) }
                }
                check(unreadable.reason.contains("unreadable batch `b1`")) { unreadable.reason }
                assertEquals(emptyList<String>(), storedIds(sandbox, feed), "still nothing sent")
            }
        }

        test("AccountBusy while another push holds the account; lockWaitMs waits for it") {
            runBlocking {
                val feed = setUpFeed(client, sandbox)
                val ledger = KotlinLedger()
                val account = LedgerAccount(feed.company, feed.connection, feed.account)
                val other = LeaseHolder("other-push", "tablet", 4242u)
                ledger.hold(account, Lease(other, Instant.now().plusSeconds(60)))
                val busy = assertThrows<BankFeedsException.AccountBusy> {
                    runBlocking { client.pushTransactions(feed.company, feed.connection, feed.account, days(1), pushOptions(ledger = ledger)) }
                }
                assertEquals(feed.account, busy.accountId, "account")
                check(busy.holder.contains("tablet") && busy.holder.contains("4242")) { busy.holder }
                check(busy.expiresAt.isAfter(Instant.now())) { "${busy.expiresAt}" }
                check(busy.reason.contains("lockWaitMs")) { busy.reason }
                assertEquals("account_busy", busy.code(), "code")
                assertEquals(emptyList<String>(), storedIds(sandbox, feed), "nothing sent")

                val releaser = thread {
                    Thread.sleep(300)
                    ledger.release(account, other)
                }
                val report = client.pushTransactions(feed.company, feed.connection, feed.account, days(1),
                    pushOptions(ledger = ledger, lockWaitMs = 10_000u))
                releaser.join()
                check(report.complete) { report.summary }
                assertStoredOnce(sandbox, feed, days(1))
            }
        }

        test("PushEvents fed from webhooks end each batch's wait; unfed, the push is still waiting when its wait ends") {
            runBlocking {
                val feed = setUpFeed(client, sandbox)
                val events = PushEvents(fallbackSeconds = 3600.0)
                val options = pushOptions().copy(events = events, waitTimeoutSeconds = 3.0)
                val unfed = client.pushTransactions(feed.company, feed.connection, feed.account, days(1), options)
                check(!unfed.complete) { unfed.summary }
                assertEquals(PushStopReason.STILL_PENDING, unfed.stopped?.reason, "stopped")

                // A stand-in for the app's webhook receiver: every operation that ended is fed.
                val fed = java.util.concurrent.ConcurrentHashMap.newKeySet<String>()
                val stop = java.util.concurrent.atomic.AtomicBoolean(false)
                val receiver = thread {
                    while (!stop.get()) {
                        val page = runBlocking { client.listPushOperations(feed.company, ListOptions(pageSize = 100u)) }
                        for (op in page.operations) {
                            if (op.status != PushOperationStatus.PENDING && fed.add(op.pushOperationKey)) {
                                events.deliver(op.pushOperationKey, op.status)
                            }
                        }
                        Thread.sleep(50)
                    }
                }
                val report = try {
                    client.pushTransactions(feed.company, feed.connection, feed.account, days(2), options)
                } finally {
                    stop.set(true)
                    receiver.join()
                }
                check(report.complete) { report.summary }
                assertEquals(3u, report.pushed, "day 2 pushed")
                assertEquals(ids(days(1)), report.alreadyPushed, "day 1 waited for, not resent")
                assertStoredOnce(sandbox, feed, days(2))
                assertThrows<BankFeedsException.InvalidInput> { events.deliver(" ", PushOperationStatus.SUCCESS) }
                assertThrows<BankFeedsException.InvalidInput> { events.deliver("k", PushOperationStatus.UNRECOGNISED) }
            }
        }
    }
}
