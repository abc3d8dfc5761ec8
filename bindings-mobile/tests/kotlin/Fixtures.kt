package bankfeeds.tests

import bankfeeds.*
import java.math.BigDecimal
import java.time.LocalDate
import java.time.LocalDateTime

/** The day every test treats as today, so date rules give the same answer on any day. */
val TODAY: LocalDate = LocalDate.of(2024, 6, 1)

fun tx(
    id: String,
    date: String,
    amount: String,
    balance: String? = null,
    description: String? = "Statement line",
    type: TransactionType? = null,
) = Transaction(
    id = id,
    date = LocalDate.parse(date).atStartOfDay(),
    amount = BigDecimal(amount),
    description = description,
    balance = balance?.let(::BigDecimal),
    transactionType = type,
)

fun context(platform: Platform = Platform.GENERIC, account: AccountContext? = null) =
    ValidationContext(platform = platform, today = TODAY, account = account)

fun options(platform: Platform = Platform.GENERIC, normalise: NormaliseOptions = NormaliseOptions()) =
    PrepareOptions(context = context(platform), normalise = normalise)

fun ValidationReport.codes(): List<Code> = issues.map { it.code }

fun ValidationReport.only(code: Code): Issue {
    val found = issues.filter { it.code == code }
    check(found.size == 1) { "expected one $code, found ${codes()}" }
    return found[0]
}

fun at(y: Int, m: Int, d: Int, h: Int = 0, min: Int = 0): LocalDateTime = LocalDateTime.of(y, m, d, h, min)
