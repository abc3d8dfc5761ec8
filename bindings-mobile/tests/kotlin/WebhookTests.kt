// verifyWebhook for server-side Kotlin: every delivery of core/tests/webhooks/vectors.json
// (signed by the npm package standardwebhooks, independent of bankfeeds) gets the verdict and
// code the file expects, as in Rust, Node and the CLI.
package bankfeeds.tests

import bankfeeds.*
import bankfeeds.tests.Harness.test
import java.io.File

@Suppress("UNCHECKED_CAST")
private fun vectors(): List<Map<String, Any?>> {
    // The tests run from the repository's root (scripts/test.sh); BANKFEEDS_ROOT can say otherwise.
    val root = System.getenv("BANKFEEDS_ROOT") ?: "."
    val file = File(root, "core/tests/webhooks/vectors.json")
    check(file.exists()) { "${file.absolutePath} is missing (it is committed with the repository)" }
    val doc = Json.parse(file.readText(Charsets.UTF_8)) as Map<String, Any?>
    return doc["cases"] as List<Map<String, Any?>>
}

private fun statusText(s: PushOperationStatus): String = when (s) {
    PushOperationStatus.PENDING -> "Pending"
    PushOperationStatus.SUCCESS -> "Success"
    PushOperationStatus.FAILED -> "Failed"
    PushOperationStatus.TIMED_OUT -> "TimedOut"
    PushOperationStatus.UNRECOGNISED -> "?"
}

/** What the file says of an accepted delivery, from the sealed event. */
private fun summary(event: WebhookEvent): Map<String, Any?> {
    val d = event.delivery()
    val out = linkedMapOf<String, Any?>(
        "kind" to d.kind,
        "messageId" to d.messageId,
        "timestamp" to d.timestamp.toString(),
        "eventType" to d.eventType,
        "companyId" to d.companyId,
    )
    // Exhaustive over the sealed class: a new case must be handled here.
    when (event) {
        is WebhookEvent.PushOperation -> {
            val push = linkedMapOf<String, Any?>("key" to event.operationKey, "status" to statusText(event.status))
            event.dataType?.let { push["dataType"] = it }
            event.connectionId?.let { push["connectionId"] = it }
            out["pushOperation"] = push
            check(d.kind == "push_operation") { d.kind }
        }
        is WebhookEvent.SourceAccount -> check(d.kind == "source_account") { d.kind }
        is WebhookEvent.RateLimit -> check(d.kind == "rate_limit") { d.kind }
        is WebhookEvent.Other -> check(d.kind == "other") { d.kind }
    }
    return out
}

private fun verdict(case: Map<String, Any?>, headers: Map<String, String> = headersOf(case)): Map<String, Any?> =
    try {
        val event = verifyWebhook(
            case["secret"] as String,
            headers,
            (case["body"] as String).toByteArray(Charsets.UTF_8),
            (case["tolerance"] as Long).toULong(),
            case["now"] as Long,
        )
        check(event.delivery().body == case["body"]) { "the body is not the one received" }
        summary(event)
    } catch (e: BankFeedsException.WebhookException) {
        mapOf("code" to e.code())
    }

@Suppress("UNCHECKED_CAST")
private fun headersOf(case: Map<String, Any?>) = case["headers"] as Map<String, String>

fun webhookTests() = Harness.suite("webhooks (server-side)") {
    val cases = vectors()

    test("every vector gets the verdict and code the file expects") {
        check(cases.size >= 30) { "only ${cases.size} cases" }
        val wrong = cases.mapNotNull { c ->
            val got = verdict(c)
            if (got != c["expect"]) "${c["name"]}: expected ${c["expect"]} but got $got" else null
        }
        check(wrong.isEmpty()) { wrong.joinToString("\n") }
    }

    test("header names in any case: upper-cased names give the same verdicts") {
        for (c in cases) {
            val upper = headersOf(c).mapKeys { it.key.uppercase() }
            assertEquals(c["expect"], verdict(c, upper), "${c["name"]} (upper case)")
        }
    }

    test("the sealed cases carry what each event says") {
        val byName = cases.associateBy { it["name"] as String }
        fun event(name: String): WebhookEvent {
            val c = byName.getValue(name)
            return verifyWebhook(c["secret"] as String, headersOf(c), (c["body"] as String).toByteArray(),
                300u, c["now"] as Long)
        }
        val push = event("valid_write_timed_out") as WebhookEvent.PushOperation
        assertEquals(PushOperationStatus.TIMED_OUT, push.status, "status")
        assertEquals("push-003", push.operationKey, "key")
        assertEquals("bankTransactions", push.dataType, "data type")
        val connected = event("valid_source_account_connected") as WebhookEvent.SourceAccount
        check(connected.connected) { "$connected" }
        assertEquals("acc-002", connected.accountId, "account")
        assertEquals(SourceAccountStatus.CONNECTED, connected.accountStatus, "account status")
        val disconnected = event("valid_source_account_disconnected") as WebhookEvent.SourceAccount
        check(!disconnected.connected) { "$disconnected" }
        val reached = event("valid_rate_limit_reached") as WebhookEvent.RateLimit
        check(reached.reached && reached.dailyQuota == 12000L && reached.quotaRemaining == 0L) { "$reached" }
        assertEquals("2024-06-02T00:00:00Z", reached.expiryDate, "expiry")
        val reset = event("valid_rate_limit_reset") as WebhookEvent.RateLimit
        check(!reset.reached) { "$reset" }
        val other = event("valid_other_event") as WebhookEvent.Other
        assertEquals("read.completed", other.delivery.eventType, "event type")
    }

    test("a refusal is BankFeedsException.WebhookException with its code and status, never the secret") {
        val c = cases.first { it["name"] == "wrong_secret" }
        val e = assertThrows<BankFeedsException.WebhookException> {
            verifyWebhook(c["secret"] as String, headersOf(c), (c["body"] as String).toByteArray(), 300u, c["now"] as Long)
        }
        assertEquals("invalid_signature", e.code(), "code()")
        assertEquals(401u, e.status, "status")
        val shown = "$e ${e.message}"
        val secret = c["secret"] as String
        check(!shown.contains(secret) && !shown.contains(secret.removePrefix("whsec_"))) { shown }
        val bad = assertThrows<BankFeedsException.WebhookException> {
            verifyWebhook("whsec_***", headersOf(c), (c["body"] as String).toByteArray())
        }
        assertEquals("invalid_secret", bad.code(), "code()")
        assertEquals(500u, bad.status, "status")
    }

    test("defaults: a 300 s tolerance and the clock (a 2024 delivery is long expired)") {
        val c = cases.first { it["name"] == "valid" }
        val e = assertThrows<BankFeedsException.WebhookException> {
            verifyWebhook(c["secret"] as String, headersOf(c), (c["body"] as String).toByteArray())
        }
        assertEquals("expired", e.code(), "code()")
        val now = c["now"] as Long
        verifyWebhook(c["secret"] as String, headersOf(c), (c["body"] as String).toByteArray(), nowEpochSeconds = now + 300)
        val late = assertThrows<BankFeedsException.WebhookException> {
            verifyWebhook(c["secret"] as String, headersOf(c), (c["body"] as String).toByteArray(), nowEpochSeconds = now + 301)
        }
        assertEquals("expired", late.code(), "code()")
        val huge = assertThrows<BankFeedsException.InvalidInput> {
            verifyWebhook(c["secret"] as String, headersOf(c), (c["body"] as String).toByteArray(), nowEpochSeconds = Long.MAX_VALUE)
        }
        check(huge.reason.contains("nowEpochSeconds")) { huge.reason }
    }
}
