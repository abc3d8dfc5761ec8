package bankfeeds.tests

import bankfeeds.*
import java.io.File
import java.nio.file.Files
import java.time.Duration
import java.time.Instant
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.CopyOnWriteArrayList

/** Temporary folders for push ledgers: no test ever writes a ledger anywhere else. Removed when
 *  the JVM exits. */
object TempLedgers {
    private val folders = CopyOnWriteArrayList<File>()

    init {
        Runtime.getRuntime().addShutdownHook(Thread { folders.forEach { it.deleteRecursively() } })
    }

    /** A fresh folder (it exists, so as `ledgerPath` it holds `bankfeeds/ledger.sqlite3`). */
    fun folder(): File = Files.createTempDirectory("bankfeeds-ledger-").toFile().also { folders += it }

    /** A fresh ledger file's path (not created yet). */
    fun file(): String = File(folder(), "ledger.sqlite3").path
}

/** Push options as the tests use them: a ledger, the tests' today, quick polls. */
fun pushOptions(
    ledgerPath: String? = TempLedgers.file(),
    ledger: PushLedger? = null,
    batchSize: UInt? = null,
    unknownHistory: UnknownHistory? = null,
    resend: List<String> = emptyList(),
    lockWaitMs: ULong? = null,
) = PushOptions(
    ledgerPath = if (ledger != null) null else ledgerPath,
    ledger = ledger,
    unknownHistory = unknownHistory,
    resend = resend,
    lockWaitMs = lockWaitMs,
    batchSize = batchSize,
    today = TODAY,
    pollIntervalSeconds = 0.02,
)

/** A push ledger kept in Kotlin maps, as an app would keep one in its own store; it reuses the
 *  core's lease rule through `leaseMayTake` / `leaseExpiry`. `calls` records what it was asked. */
open class KotlinLedger : PushLedger {
    val saved = ConcurrentHashMap<String, LedgerBatch>()
    val leases = HashMap<LedgerAccount, Lease>()
    val calls = CopyOnWriteArrayList<String>()

    override fun batches(companyId: String, connectionId: String): List<LedgerBatch> {
        calls += "batches"
        return saved.values.filter { it.account.companyId == companyId && it.account.connectionId == connectionId }
    }

    override fun save(batch: LedgerBatch) {
        calls += "save ${batch.state}"
        saved[batch.batchId] = batch
    }

    @Synchronized
    override fun acquire(account: LedgerAccount, holder: LeaseHolder, ttl: Duration) {
        calls += "acquire"
        val now = Instant.now()
        val current = leases[account]
        if (!leaseMayTake(current, holder, now)) throw LedgerException.Busy(current!!)
        leases[account] = Lease(holder, leaseExpiry(now, ttl))
    }

    @Synchronized
    override fun release(account: LedgerAccount, holder: LeaseHolder) {
        calls += "release"
        if (leases[account]?.holder?.id == holder.id) leases.remove(account)
    }

    @Synchronized
    override fun lease(account: LedgerAccount): Lease? = leases[account]

    @Synchronized
    fun hold(account: LedgerAccount, lease: Lease) { leases[account] = lease }

    @Synchronized
    fun leaseCount() = leases.size
}
