package bankfeeds.tests

fun main() {
    validationTests()
    balanceBatchTests()
    errorTests()
    hostileInputTests()
    clientTests()
    ledgerTests()
    parityTests()
    Harness.finish()
}
