package bankfeeds.tests

fun main() {
    validationTests()
    balanceBatchTests()
    errorTests()
    hostileInputTests()
    rulesTests()
    clientTests()
    ledgerTests()
    parityTests()
    webhookTests()
    contractTests()
    Harness.finish()
}
