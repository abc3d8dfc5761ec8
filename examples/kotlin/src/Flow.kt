// Part 2: the bank feed flow through the async client, against a local sandbox this program
// starts. In an app, the client talks to the bank's backend with the user's session token; the
// backend holds the Codat API key. Never ship a Codat API key in an app.
package example

import bankfeeds.*
import kotlinx.coroutines.runBlocking
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.nio.file.Files
import java.util.Base64
import kotlin.concurrent.thread

/** `bankfeeds sandbox --port 0`: an offline stand-in for the bank's backend and Codat. */
class Sandbox : AutoCloseable {
    private val process: Process
    val url: String

    init {
        val cli = System.getenv("BANKFEEDS_CLI") ?: "target/debug/bankfeeds"
        process = ProcessBuilder(cli, "sandbox", "--port", "0", "--today", TODAY.toString(), "--push-delay-ms", "50")
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start()
        val out = process.inputStream.bufferedReader()
        url = out.readLine() ?: error("the sandbox did not start")
        thread(isDaemon = true) { out.forEachLine { } }
    }

    /** What the customer does in Codat Link: authorise the connection. */
    fun customerLinks(companyId: String, connectionId: String) {
        val request = HttpRequest.newBuilder(URI.create("$url/sandbox/companies/$companyId/connections/$connectionId/link"))
            .POST(HttpRequest.BodyPublishers.noBody()).build()
        HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.discarding())
    }

    /** When this repo's tests set BANKFEEDS_SPEC, the sandbox checked every answer against Codat's spec. */
    fun checkKeptToTheSpec() {
        if (System.getenv("BANKFEEDS_SPEC").isNullOrEmpty()) return
        val request = HttpRequest.newBuilder(URI.create("$url/sandbox/spec-violations")).GET().build()
        val violations = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString()).body()
        check(violations.trim() == "[]") { "the sandbox broke Codat's spec: $violations" }
    }

    override fun close() = process.destroy()
}

fun runFlow(transactions: List<Transaction>) = Sandbox().use { sandbox ->
    runBlocking {
        println("== 3. the bank feed flow against ${sandbox.url}")
        // An app would pass its backend's URL and "Authorization: Bearer <session token>".
        val token = "Basic " + Base64.getEncoder().encodeToString("sandbox-key".toByteArray())
        val client = BankFeedsClient(sandbox.url, "Authorization", token)

        val company = client.createCompany("Toft Bakery", null)
        val connection = client.createConnection(company.id, "gbol")
        println("   connection to ${connection.platformName}: ${connection.status}; send the customer to ${connection.linkUrl}")
        sandbox.customerLinks(company.id, connection.id)
        println("   after Codat Link: ${client.getConnection(company.id, connection.id).status}")

        val account = client.createSourceAccount(
            company.id, connection.id,
            NewSourceAccount(id = "acc-001", accountName = "Business current", accountType = "Debit",
                accountNumber = "12345678", sortCode = "12-34-56", currency = "GBP"),
        )
        val mapping = client.getAccountMappings(company.id, connection.id).single()
        println("   source account ${account.id}: ${account.status}, mapped: ${mapping.mapped}, " +
            "targets: ${mapping.targetAccountOptions.map { it.name }}")
        val mapped = client.mapSourceAccount(company.id, connection.id, account.id, mapping.targetAccountOptions.first().id!!, TODAY.minusMonths(3))
        check(!mapped.failed)
        println("   mapped; account now ${client.listSourceAccounts(company.id, connection.id).single().status}")

        val progress = object : PushProgressListener {
            override fun onProgress(progress: PushProgress) {
                if (progress.stage == PushStage.BATCH_DONE || progress.stage == PushStage.FINISHED) {
                    println("   progress: ${progress.stage} ${progress.batchesDone}/${progress.batchesTotal} batches, ${progress.transactionsDone} transactions")
                }
            }
        }
        // The push ledger records every batch before it is sent, so a rerun never books a row
        // twice. An Android app passes its files folder (`context.filesDir.path`); this program
        // uses a temporary one.
        val files = Files.createTempDirectory("bankfeeds-example-").toFile().apply { deleteOnExit() }
        val report = client.pushTransactions(company.id, connection.id, account.id, transactions,
            PushOptions(ledgerPath = files.path, today = TODAY, batchSize = 2u, pollIntervalSeconds = 0.05), progress)
        println("   ${report.summary}")
        for (batch in report.batches) {
            val op = client.getPushOperation(company.id, batch.operationKey)
            println("   batch ${batch.index}: ${batch.firstId}..${batch.lastId} ${op.status} (operation ${op.pushOperationKey})")
        }
        check(report.complete && report.pushed == transactions.size.toUInt())

        val again = client.pushTransactions(company.id, connection.id, account.id, transactions, PushOptions(ledgerPath = files.path, today = TODAY))
        println("   pushing again sends nothing: ${again.alreadyPushed.size} already pushed, ${again.pushed} pushed")
        files.deleteRecursively()

        val e = runCatching { client.getCompany("no-such-company") }.exceptionOrNull()
        check(e is BankFeedsException.Api) { "expected an API error, got $e" }
        println("   an API error keeps its structure: status ${e.status}, retryable ${e.retryable}, correlation id ${e.correlationId}")
        sandbox.checkKeptToTheSpec()
    }
}
