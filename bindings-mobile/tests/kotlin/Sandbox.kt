package bankfeeds.tests

import java.io.File
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.util.Base64
import java.util.concurrent.TimeUnit
import kotlin.concurrent.thread

/** `bankfeeds sandbox --port 0`, started from the CLI the test script built (BANKFEEDS_CLI); its
 *  URL is the first line it prints. Its /sandbox/ endpoints play the customer and inject faults.
 *  Every answer is checked against Codat's spec when the spec is found (BANKFEEDS_SPEC, or
 *  ../shared/codat-oas/Codat-Bank-Feeds.json beside the checkout), and closing it records, as a
 *  test of its own, that no answer broke the spec. */
class Sandbox(vararg extra: String) : AutoCloseable {
    private val process: Process
    val url: String
    private val http = HttpClient.newHttpClient()

    init {
        val cli = System.getenv("BANKFEEDS_CLI") ?: fail("BANKFEEDS_CLI is not set (run scripts/test.sh)")
        val spec = SPEC?.let { arrayOf("--check-spec", it) } ?: emptyArray()
        process = ProcessBuilder(cli, "sandbox", "--port", "0", "--today", "2024-06-01", *extra, *spec)
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

    /** The violations the sandbox found, as JSON text (`[]` when none). */
    fun specViolations(): String = call("GET", "/sandbox/spec-violations").body()

    override fun close() {
        if (SPEC != null) {
            Harness.test("the sandbox at $url kept to Codat's spec") {
                val violations = specViolations()
                check(violations.trim() == "[]") { "the sandbox broke Codat's spec: $violations" }
            }
        }
        process.destroy()
        if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly()
    }

    companion object {
        const val AUTH_HEADER = "Authorization"
        val AUTH_VALUE = "Basic " + Base64.getEncoder().encodeToString("sandbox-key".toByteArray())

        /** Codat's spec, when it is found; the run says once that the check is skipped otherwise. */
        val SPEC: String? = (System.getenv("BANKFEEDS_SPEC")?.takeIf { it.isNotEmpty() }
            ?: File(System.getProperty("user.dir"), "../shared/codat-oas/Codat-Bank-Feeds.json")
                .takeIf { it.exists() }?.canonicalPath)
            .also {
                if (it == null) println("spec check skipped: ../shared/codat-oas/Codat-Bank-Feeds.json is not beside this checkout and BANKFEEDS_SPEC is not set")
            }
    }
}
