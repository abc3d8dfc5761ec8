package bankfeeds.tests

fun main() {
    validationTests()
    balanceBatchTests()
    errorTests()
    hostileInputTests()
    clientTests()
    Harness.finish()
}
