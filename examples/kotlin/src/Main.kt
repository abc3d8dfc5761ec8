package example

fun main() {
    val ready = validateStatement()
    runFlow(ready)
    println("== done")
}
