"""Checks the generated Swift as far as a machine without a Swift compiler can.

1. The .swift parses (tree-sitter-swift) with no syntax errors once two constructs the grammar
   does not know are rewritten: the `#if swift(>=5.8) @_documentation(visibility: private) #endif`
   triplets are removed (see TOOLCHAIN.md section 4), and the closure `{ () }` (returns the empty
   tuple; the grammar has no empty-tuple expression) becomes the equivalent `{ Void() }`.
2. The contract version and every API checksum the .swift checks at start-up equal what the
   library returns, called through ctypes: the Swift file matches this exact .so, so an app
   would not fail with `apiChecksumMismatch`.
3. The Swift file declares the public API this binding promises (types and functions), and
   `Money` is `Foundation.Decimal`.

Usage: check_swift.py BankFeeds.swift libbankfeeds_mobile.so
"""

import ctypes
import re
import sys

import tree_sitter_swift
from tree_sitter import Language, Parser

DOC_TRIPLET = re.compile(
    r"#if swift\(>=5\.8\)\s*\n\s*@_documentation\(visibility: private\)\s*\n\s*#endif\s*\n"
)
UNIT_CLOSURE = re.compile(r"\{ \(\) \}")

EXPECTED_DECLARATIONS = [
    r"public struct Transaction\b",
    r"public struct ValidationReport\b",
    r"public struct Issue\b",
    r"public struct Prepared\b",
    r"public enum Code\b",
    r"public enum Platform\b",
    r"public enum TransactionType\b",
    r"public\s+enum BankFeedsError: Swift\.Error",
    r"public typealias Money = Decimal\b",
    r"public typealias WallClock = String\b",
    r"public func prepare\(transactions: \[Transaction\], options: PrepareOptions\)",
    r"public func validate\(transactions: \[Transaction\], context: ValidationContext\)",
    r"public func fillBalancesForward\(",
    r"public func pushBodies\(",
    r"open class BankFeedsClient\b",
    r"public convenience init\(baseUrl: String, authHeaderName: String, authHeaderValue: String, options: ClientOptions\? = nil, rateLimitListener: RateLimitListener\? = nil\)\s*throws",
    # Network and logging: per-call copies, the rate-limit and log listeners.
    r"open func withOptions\(requestTimeoutSeconds: Double\? = nil, maxAttempts: UInt32\? = nil, maxRetrySeconds: Double\? = nil\)\s*throws\s*-> BankFeedsClient",
    r"public protocol RateLimitListener: AnyObject, Sendable",
    r"public protocol LogListener: AnyObject, Sendable",
    r"public func setLogListener\(listener: LogListener\?, level: LogLevel\)",
    r"func pushTransactions\(companyId: String, connectionId: String, accountId: String, transactions: \[Transaction\], options: PushOptions, listener: PushProgressListener\? = nil\)\s*async throws\s*-> PushReport",
    r"public protocol PushProgressListener\b",
    # The push ledger: options, the app's own ledger, the history policy, errors with codes.
    r"public struct PushOptions\b",
    r"public let ledgerPath: String\?",
    r"public let ledger: PushLedger\?",
    r"public let unknownHistory: UnknownHistory\?",
    r"public let resend: \[String\]",
    r"public let lockWaitMs: UInt64\?",
    r"public protocol PushLedger: AnyObject, Sendable",
    r"func acquire\(account: LedgerAccount, holder: LeaseHolder, ttl: TimeInterval\) throws",
    r"public enum UnknownHistory\b",
    r"case skipThrough\(\s*(/\*\*.*?\*/)?\s*date: CalendarDate,\s*(/\*\*.*?\*/)?\s*id: String\? = nil\s*\)",
    r"enum LedgerError: Swift\.Error",
    r"case AccountBusy\(",
    r"case LookupIncomplete\(",
    r"case Ledger\(",
    r"public func code\(\) -> String",
    r"public func leaseMayTake\(current: Lease\?, holder: LeaseHolder, now: Date\) -> Bool",
    r"public func leaseExpiry\(now: Date, ttl: TimeInterval\) -> Date",
    r"public let heldBack: \[String\]",
    r"public let timedOut: \[HeldBatch\]",
    r"case timedOut\b",
    # Webhooks, for server-side code: verifyWebhook, the event and its delivery, the refusal.
    r"public func verifyWebhook\(secret: String, headers: \[String: String\], body: Data, toleranceSeconds: UInt64 = UInt64\(300\), nowEpochSeconds: Int64\? = nil\)\s*throws\s*-> WebhookEvent",
    r"public enum WebhookEvent\b",
    r"public struct WebhookDelivery\b",
    r"public func delivery\(\) -> WebhookDelivery",
    r"case WebhookError\(",
    # The operations an app needs besides pushing.
    r"open func unlinkConnection\(companyId: String, connectionId: String\)\s*async throws\s*-> Connection",
    r"open func updateSourceAccount\(companyId: String, connectionId: String, accountId: String, update: SourceAccountUpdate\)\s*async throws\s*-> SourceAccount",
    r"open func deleteSourceAccount\(companyId: String, connectionId: String, accountId: String\)\s*async throws",
    r"open func generateOtp\(companyId: String, connectionId: String\)\s*async throws\s*-> OneTimePassword",
    r"open func getCompanyAccessToken\(companyId: String\)\s*async throws\s*-> CompanyAccessToken",
    r"open func listPushOperations\(companyId: String, options: ListOptions\)\s*async throws\s*-> PushOperationPage",
    r"open class CompanyAccessToken: .*CustomStringConvertible",
    r"open class OneTimePassword: .*CustomStringConvertible",
]


def syntax_errors(source: str) -> list[str]:
    parser = Parser(Language(tree_sitter_swift.language()))
    text = UNIT_CLOSURE.sub("{ Void() }", DOC_TRIPLET.sub("", source))
    tree = parser.parse(text.encode("utf-8"))
    lines = text.splitlines()
    found = []

    def walk(node):
        if node.type == "ERROR" or node.is_missing:
            row = node.start_point[0]
            found.append(f"line {row + 1}: {lines[row].strip()[:100]}")
        for child in node.children:
            walk(child)

    walk(tree.root_node)
    return found


def checksum_mismatches(source: str, library: str) -> tuple[int, list[str]]:
    lib = ctypes.CDLL(library)
    problems = []
    contract = re.search(r"let bindings_contract_version = (\d+)", source)
    version_fn = re.search(r"(ffi_\w+_uniffi_contract_version)\(\)", source)
    if not contract or not version_fn:
        return 0, ["no contract version check in the Swift file"]
    fn = getattr(lib, version_fn.group(1))
    fn.restype = ctypes.c_uint32
    if fn() != int(contract.group(1)):
        problems.append(f"contract version: Swift expects {contract.group(1)}, library has {fn()}")
    checks = re.findall(r"if \((uniffi_\w+_checksum_\w+)\(\) != (\d+)\)", source)
    for name, expected in checks:
        fn = getattr(lib, name)
        fn.restype = ctypes.c_uint16
        if fn() != int(expected):
            problems.append(f"{name}: Swift expects {expected}, library returns {fn()}")
    return len(checks), problems


def main() -> int:
    swift_path, library = sys.argv[1], sys.argv[2]
    source = open(swift_path, encoding="utf-8").read()
    failed = False

    errors = syntax_errors(source)
    print(f"swift syntax (tree-sitter): {len(errors)} error(s)")
    for e in errors[:20]:
        print(f"  {e}")
    failed |= bool(errors)

    n, problems = checksum_mismatches(source, library)
    print(f"swift checksums against the library: {n} checked, {len(problems)} mismatch(es)")
    for p in problems:
        print(f"  {p}")
    failed |= bool(problems) or n == 0

    missing = [d for d in EXPECTED_DECLARATIONS if not re.search(d, source, re.DOTALL)]
    print(f"swift public API: {len(EXPECTED_DECLARATIONS) - len(missing)}/{len(EXPECTED_DECLARATIONS)} declarations found")
    for d in missing:
        print(f"  missing: {d}")
    failed |= bool(missing)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
