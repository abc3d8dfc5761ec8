// A small assertion runner: JUnit is not reachable offline. Each test is a named block; a
// failure records the message and the run goes on, so one run reports every failing test.
package bankfeeds.tests

import kotlin.system.exitProcess

class AssertionFailed(message: String) : Exception(message)

object Harness {
    private var passed = 0
    private val failures = mutableListOf<String>()
    private val skipped = mutableListOf<String>()
    private var suite = ""

    fun suite(name: String, body: () -> Unit) {
        suite = name
        println("== $name")
        body()
    }

    fun test(name: String, body: () -> Unit) {
        val t0 = System.nanoTime()
        try {
            body()
            passed++
            println("  ok    $name (${(System.nanoTime() - t0) / 1_000_000} ms)")
        } catch (e: Throwable) {
            failures += "$suite / $name: $e"
            println("  FAIL  $name: $e")
            if (e !is AssertionFailed) e.printStackTrace(System.out)
        }
    }

    /** Records a test that could not run here, and why; the summary lists it. */
    fun skip(name: String, reason: String) {
        skipped += "$suite / $name: $reason"
        println("  skip  $name: $reason")
    }

    /** Prints the counts and exits non-zero when anything failed. */
    fun finish(): Nothing {
        println()
        println("kotlin: $passed passed, ${failures.size} failed, ${skipped.size} skipped")
        skipped.forEach { println("  skipped: $it") }
        failures.forEach { println("  failed: $it") }
        exitProcess(if (failures.isEmpty() && passed > 0) 0 else 1)
    }
}

fun fail(message: String): Nothing = throw AssertionFailed(message)

fun check(condition: Boolean, message: () -> String) {
    if (!condition) fail(message())
}

fun <T> assertEquals(expected: T, actual: T, what: String = "value") {
    if (expected != actual) fail("$what: expected <$expected> but was <$actual>")
}

/** Runs [body], expecting it to throw a [T]; returns the exception for further checks. */
inline fun <reified T : Throwable> assertThrows(body: () -> Unit): T {
    try {
        body()
    } catch (e: Throwable) {
        if (e is T) return e
        fail("expected ${T::class.simpleName} but got $e")
    }
    fail("expected ${T::class.simpleName} but nothing was thrown")
}
