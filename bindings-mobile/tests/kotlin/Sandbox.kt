package bankfeeds.tests

import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.util.Base64
import java.util.concurrent.TimeUnit
import kotlin.concurrent.thread

/** `bankfeeds sandbox --port 0`, started from the CLI the test script built (BANKFEEDS_CLI); its
 *  URL is the first line it prints. Its /sandbox/ endpoints play the customer and inject faults. */
class Sandbox(vararg extra: String) : AutoCloseable {
    private val process: Process
    val url: String
    private val http = HttpClient.newHttpClient()

    init {
        val cli = System.getenv("BANKFEEDS_CLI") ?: fail("BANKFEEDS_CLI is not set (run scripts/test.sh)")
        process = ProcessBuilder(cli, "sandbox", "--port", "0", "--today", "2024-06-01", *extra)
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start()
        Runtime.getRuntime().addShutdownHook(Thread { process.destroyForcibly() })
        val out = process.inputStream.bufferedReader()
        url = out.readLine()?.trim() ?: fail("the sandbox printed no URL (exit ${process.waitFor()})")
        check(url.startsWith("http://")) { "unexpected first line: $url" }
        thread(isDaemon = true) { out.forEachLine { } } // keep draining stdout
    }

    fun call(method: String, path: String, body: String = ""): HttpResponse<String> {
        val publisher = if (body.isEmpty()) HttpRequest.BodyPublishers.noBody() else HttpRequest.BodyPublishers.ofString(body)
        val request = HttpRequest.newBuilder(URI.create(url + path))
            .method(method, publisher)
            .header("Content-Type", "application/json")
            .build()
        val response = http.send(request, HttpResponse.BodyHandlers.ofString())
        check(response.statusCode() < 300) { "$method $path: ${response.statusCode()} ${response.body()}" }
        return response
    }

    /** The customer completes Codat Link for the connection. */
    fun link(companyId: String, connectionId: String) =
        call("POST", "/sandbox/companies/$companyId/connections/$connectionId/link")

    /** What the sandbox stored for the account, as JSON text. */
    fun stored(companyId: String, connectionId: String, accountId: String): String =
        call("GET", "/sandbox/companies/$companyId/connections/$connectionId/bankFeedAccounts/$accountId/transactions").body()

    fun faults(json: String) = call("PUT", "/sandbox/faults", json)
    fun clearFaults() = call("DELETE", "/sandbox/faults")

    override fun close() {
        process.destroy()
        if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly()
    }

    companion object {
        const val AUTH_HEADER = "Authorization"
        val AUTH_VALUE = "Basic " + Base64.getEncoder().encodeToString("sandbox-key".toByteArray())
    }
}
