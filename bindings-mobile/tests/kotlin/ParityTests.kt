package bankfeeds.tests

import bankfeeds.*
import bankfeeds.tests.Harness.test
import kotlinx.coroutines.runBlocking
import java.math.BigDecimal
import java.time.Instant

/** The operations an app needs besides pushing: unlink, update and delete a source account, the
 *  Sage one-time password, the company access token and the push history. */
fun parityTests() = Harness.suite("client operations an app needs") {
    Sandbox("--push-delay-ms", "20").use { sandbox ->
        val client = sandboxClient(sandbox)

        test("unlinkConnection: the connection is UNLINKED, with no link URL, and still listed") {
            runBlocking {
                val feed = setUpFeed(client, sandbox)
                val unlinked = client.unlinkConnection(feed.company, feed.connection)
                assertEquals(ConnectionStatus.UNLINKED, unlinked.status, "answer")
                assertEquals(feed.connection, unlinked.id, "id")
                assertEquals(null, unlinked.linkUrl, "no link URL")
                assertEquals(ConnectionStatus.UNLINKED, client.getConnection(feed.company, feed.connection).status, "read back")
                assertEquals(listOf(feed.connection), client.listConnections(feed.company).map { it.id }, "still listed")
                val missing = assertThrows<BankFeedsException.Api> {
                    runBlocking { client.unlinkConnection(feed.company, "00000000-0000-0000-0000-000000000000") }
                }
                assertEquals(404u, missing.status, "unknown connection")
            }
        }

        test("updateSourceAccount: name and balance (exact) while pending, DISCONNECTED once connected; refusals are Api 400") {
            runBlocking {
                val feed = setUpFeed(client, sandbox, map = false)
                val renamed = client.updateSourceAccount(feed.company, feed.connection, feed.account,
                    SourceAccountUpdate(accountName = "Business current (old)", balance = BigDecimal("1234.50")))
                assertEquals("Business current (old)", renamed.accountName, "name")
                assertEquals(BigDecimal("1234.50"), renamed.balance, "balance, scale kept")
                assertEquals(SourceAccountStatus.PENDING, renamed.status, "status unchanged")
                val listed = client.listSourceAccounts(feed.company, feed.connection).single()
                assertEquals("Business current (old)", listed.accountName, "listed name")
                assertEquals("12345678", listed.accountNumber, "untouched fields stay")

                val mapping = client.getAccountMappings(feed.company, feed.connection).single()
                client.mapSourceAccount(feed.company, feed.connection, feed.account, mapping.targetAccountOptions[0].id!!)
                val refused = assertThrows<BankFeedsException.Api> {
                    runBlocking {
                        client.updateSourceAccount(feed.company, feed.connection, feed.account, SourceAccountUpdate(balance = BigDecimal("1.00")))
                    }
                }
                assertEquals(400u, refused.status, "balance of a connected account")
                check(refused.reason.contains("not connected")) { refused.reason }

                val disconnected = client.updateSourceAccount(feed.company, feed.connection, feed.account,
                    SourceAccountUpdate(status = SourceAccountStatus.DISCONNECTED))
                assertEquals(SourceAccountStatus.DISCONNECTED, disconnected.status, "disconnected")
                val back = assertThrows<BankFeedsException.Api> {
                    runBlocking {
                        client.updateSourceAccount(feed.company, feed.connection, feed.account, SourceAccountUpdate(status = SourceAccountStatus.CONNECTED))
                    }
                }
                assertEquals(400u, back.status, "only to DISCONNECTED")

                val bad = assertThrows<BankFeedsException.InvalidInput> {
                    runBlocking {
                        client.updateSourceAccount(feed.company, feed.connection, feed.account, SourceAccountUpdate(balance = BigDecimal("1E+40")))
                    }
                }
                assertEquals(Field.BALANCE, bad.field, "field")
            }
        }

        test("deleteSourceAccount removes it and its mapping; deleting it again is Api 404") {
            runBlocking {
                val feed = setUpFeed(client, sandbox)
                client.deleteSourceAccount(feed.company, feed.connection, feed.account)
                assertEquals(emptyList<String>(), client.listSourceAccounts(feed.company, feed.connection).map { it.id }, "gone")
                check(client.getAccountMappings(feed.company, feed.connection).none { it.sourceAccountId == feed.account }) { "mapping gone" }
                val again = assertThrows<BankFeedsException.Api> {
                    runBlocking { client.deleteSourceAccount(feed.company, feed.connection, feed.account) }
                }
                assertEquals(404u, again.status, "status")
                val push = assertThrows<BankFeedsException.SourceAccountNotFound> {
                    runBlocking { client.pushTransactions(feed.company, feed.connection, feed.account, days(1), pushOptions()) }
                }
                assertEquals(feed.account, push.accountId, "a push finds no account")
            }
        }

        test("generateOtp for a Sage connection: a password and its expiry, never printed") {
            runBlocking {
                val company = client.createCompany("Toft Bakery", null)
                val sage = client.createConnection(company.id, "olpr")
                assertEquals(Platform.SAGE, sage.platform, "platform")
                val before = Instant.now().minusSeconds(1)
                client.generateOtp(company.id, sage.id).use { otp ->
                    check(otp.otp().isNotBlank()) { "a password" }
                    check(otp.expiry().isAfter(before)) { "expires later: ${otp.expiry()}" }
                    val printed = otp.toString()
                    check(!printed.contains(otp.otp()) && printed.contains("redacted")) { printed }
                }
                val second = client.generateOtp(company.id, sage.id)
                check(second.otp().isNotBlank()) { "a second password" }
                val missing = assertThrows<BankFeedsException.Api> {
                    runBlocking { client.generateOtp(company.id, "00000000-0000-0000-0000-000000000000") }
                }
                assertEquals(404u, missing.status, "unknown connection")
            }
        }

        // The sandbox serves get-company-access-token from the branch that adds the missing
        // operations; until then this test says it skipped instead of asserting on a fake answer.
        runBlocking {
            val company = client.createCompany("Toft Bakery", null)
            val served = try {
                client.getCompanyAccessToken(company.id)
            } catch (e: BankFeedsException.Api) {
                if (e.status == 404u && e.codatError?.startsWith("No endpoint") == true) null else throw e
            }
            if (served == null) {
                Harness.skip("getCompanyAccessToken", "this sandbox has no GET /companies/{companyId}/accessToken")
            } else {
                test("getCompanyAccessToken: a token for the embedded UIs, never printed") {
                    served.use { token ->
                        check(token.accessToken().isNotBlank()) { "a token" }
                        check(token.tokenType().isNotBlank()) { "a type" }
                        check(token.expiresInSeconds() > 0) { "expires: ${token.expiresInSeconds()}" }
                        assertEquals("${token.tokenType()} ${token.accessToken()}", token.authorizationHeader(), "header")
                        val printed = token.toString()
                        check(!printed.contains(token.accessToken()) && printed.contains("redacted")) { printed }
                    }
                    val missing = assertThrows<BankFeedsException.Api> {
                        runBlocking { client.getCompanyAccessToken("00000000-0000-0000-0000-000000000000") }
                    }
                    assertEquals(404u, missing.status, "unknown company")
                }
            }
        }

        test("listPushOperations pages through a company's push history; getPushOperation reads one") {
            runBlocking {
                val feed = setUpFeed(client, sandbox)
                val report = client.pushTransactions(feed.company, feed.connection, feed.account, days(3), pushOptions(batchSize = 3u))
                check(report.complete) { report.summary }
                val keys = report.batches.map { it.operationKey }
                assertEquals(3, keys.size, "three batches")

                val query = "dataConnectionKey=${feed.connection}&&dataType=bankTransactions"
                val all = client.listPushOperations(feed.company, ListOptions(query = query, pageSize = 10u))
                assertEquals(keys.toSet(), all.operations.map { it.pushOperationKey }.toSet(), "every push")
                assertEquals(3uL, all.totalResults, "total")
                assertEquals(null, all.nextPage, "one page")
                for (op in all.operations) {
                    assertEquals(PushOperationStatus.SUCCESS, op.status, "status")
                    assertEquals("bankTransactions", op.dataType, "data type")
                    assertEquals(feed.connection, op.dataConnectionKey, "connection")
                    check(op.completedOn != null) { "completed" }
                }

                val first = client.listPushOperations(feed.company, ListOptions(query = query, pageSize = 2u))
                assertEquals(2, first.operations.size, "page 1")
                assertEquals(2u, first.nextPage, "next page")
                val second = client.listPushOperations(feed.company, ListOptions(page = first.nextPage, query = query, pageSize = 2u))
                assertEquals(1, second.operations.size, "page 2")
                assertEquals(null, second.nextPage, "last page")
                assertEquals(keys.toSet(), (first.operations + second.operations).map { it.pushOperationKey }.toSet(), "pages cover it")

                val one = client.getPushOperation(feed.company, keys[1])
                assertEquals(all.operations.single { it.pushOperationKey == keys[1] }, one, "one, as listed")
                val none = client.listPushOperations(feed.company, ListOptions(query = "dataConnectionKey=00000000-0000-0000-0000-000000000000"))
                assertEquals(0, none.operations.size, "another connection's history is empty")
            }
        }
    }
}
