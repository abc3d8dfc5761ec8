//! `bankfeeds`: validate, prepare and push bank transactions to Codat Bank Feeds, run the
//! offline sandbox, or watch the whole flow in a demo.
//!
//! Every rule lives in the `bankfeeds` core; this binary maps flags to its options and prints
//! what it finds. Exit codes: 0 success (warnings allowed), 1 findings with errors (nothing
//! written or sent), 2 a file or ledger that cannot be read or a usage error, 3 a push that did
//! not complete, 4 an account another push holds, 5 an account whose history cannot be told.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// `println!` for people: ignores a closed stdout (`bankfeeds validate ... | head`) instead of
/// panicking, and escapes control characters and bidi overrides from ids, column names,
/// descriptions or server messages, so a terminal shows them instead of obeying them
/// ([`output::terminal`]).
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let text = format!($($arg)*);
        let _ = writeln!(std::io::stdout(), "{}", crate::output::terminal(&text));
    }};
}

/// `eprintln!` for people, escaped as [`say!`] is.
macro_rules! tell {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let text = format!($($arg)*);
        let _ = writeln!(std::io::stderr(), "{}", crate::output::terminal(&text));
    }};
}

/// Exact output for programs (JSON): ignores a closed stdout, escapes nothing.
macro_rules! say_exact {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

mod demo;
mod input;
mod ledger;
mod net;
mod output;
mod push;
mod push_all;
mod sandbox;
mod spool;
mod start;
mod webhooks;

use input::PrepareArgs;

/// Exit code: everything went well (warnings allowed); for `push`, every row of the file is on
/// the account.
const OK: u8 = 0;
/// Exit code: the data has errors: nothing was written or sent.
const FINDINGS: u8 = 1;
/// Exit code: the input (file, ledger, list of ids) cannot be read, `CODAT_API_KEY` is missing,
/// or the command line is wrong (clap's own code for usage errors).
const UNREADABLE: u8 = 2;
/// Exit code of `push`: the push did not complete (a batch failed, timed out or is still
/// pending, rows are held back by a timed-out batch, or a request failed).
const INCOMPLETE: u8 = 3;
/// Exit code of `push`: another push holds the account; nothing was sent.
const BUSY: u8 = 4;
/// Exit code of `push`: what the account already has cannot be told; nothing was sent.
const HISTORY_UNKNOWN: u8 = 5;

#[derive(Debug, Parser)]
#[command(
    name = "bankfeeds",
    version,
    about = "Feed bank transactions into accounting software through Codat Bank Feeds",
    long_about = "Feed bank transactions into accounting software through Codat Bank Feeds.\n\n\
        Validate and normalise statement files against each platform's rules, push them to Codat, \
        or run an offline Codat sandbox. New here? Start with `bankfeeds demo`.",
    after_help = "Exit codes: 0 success (warnings allowed), 1 errors found (nothing written or \
        sent), 2 unreadable input or bad arguments; push also 3 incomplete, 4 account busy, \
        5 history unknown.\n\nExamples:\n  \
        bankfeeds demo\n  \
        bankfeeds validate statement.csv --platform xero --feed-start 2024-05-01\n  \
        bankfeeds prepare statement.csv --closing-balance 1520.33 --account-id acc-001 --out batches\n  \
        CODAT_API_KEY=... bankfeeds push statement.csv --company C --connection D --account acc-001\n  \
        BANKFEEDS_WEBHOOK_SECRET=whsec_... bankfeeds webhooks listen --port 8787"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Log the client's work to stderr: -v retries and batches, -vv every request (status,
    /// duration), the ledger and rate-limit headers, -vvv the HTTP stack too. Never the API key.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check a file as given against Codat's rules and a platform's; print every finding.
    #[command(
        long_about = "Check a file of bank transactions, as given, against Codat's generic rules \
            and a platform's (balance chains, dates, signs, types, lengths, duplicates...) and \
            print every finding at once, with CSV line numbers. Nothing is trimmed, \
            de-duplicated or sorted first (rows out of date order are reported), as `validate` \
            does in every binding; with --normalise, the file is checked as `bankfeeds prepare` \
            would push it.\n\n\
            FILE is a push body {\"accountId\": ..., \"transactions\": [...]}, a JSON array of \
            transactions, or CSV with a header: id,date,description,amount and optionally \
            balance, transactionType, counterparty, reference, reconciled, status.",
        after_help = "Examples:\n  \
            bankfeeds validate statement.csv --platform xero --today 2024-06-01\n  \
            bankfeeds validate statement.csv --platform xero --normalise --closing-balance 2000.00\n  \
            bankfeeds validate push.json --platform qbo --currency USD --format json\n  \
            bankfeeds validate statement.csv --platform xero --time-zone Australia/Sydney \
            --rule sign_mismatch=error --rule exact_duplicate=off\n\n\
            Every finding's code can be set to error, warning or off with --rule CODE=LEVEL \
            (a bad code lists them all).\n\n\
            Exit codes: 0 valid (warnings allowed), 1 errors, 2 unreadable file or bad arguments."
    )]
    Validate {
        /// The file: CSV with a header, a JSON push body, or a JSON array of transactions.
        file: PathBuf,
        #[command(flatten)]
        prepare: PrepareArgs,
        /// Normalise first (as `bankfeeds prepare` does: trim, drop exact duplicates, infer
        /// types, sort, compute balances from --opening-balance or --closing-balance) and check
        /// the result.
        #[arg(long)]
        normalise: bool,
        /// `text`: one line per finding and a summary; `json`: the report with every finding and
        /// change.
        #[arg(long, value_enum, default_value_t = output::Format::Text)]
        format: output::Format,
    },
    /// Normalise and validate a file and write Codat push bodies, one JSON file per batch.
    #[command(
        alias = "normalise",
        long_about = "Normalise a file (trim text, drop exact duplicates, infer Credit/Debit, sort \
            oldest first, compute balances from --opening-balance or --closing-balance), validate \
            it, and write the push bodies as batch-0001.json, batch-0002.json..., each exactly as \
            it would be pushed: compact JSON of at most --batch-size transactions and at most 1 MiB \
            (long descriptions make more batches). Amounts are written digit for digit. Nothing \
            is written when validation finds errors.",
        after_help = "Examples:\n  \
            bankfeeds prepare statement.csv --account-id acc-001 --out batches\n  \
            bankfeeds prepare statement.csv --platform xero --closing-balance 2000.00 \
            --account-id acc-001 --batch-size 500\n\n\
            Exit codes: 0 written, 1 errors (nothing written), 2 unreadable file."
    )]
    Prepare {
        /// The file: CSV with a header, a JSON push body, or a JSON array of transactions.
        file: PathBuf,
        #[command(flatten)]
        prepare: PrepareArgs,
        /// Where to write the batches (created if missing).
        #[arg(long, default_value = "batches")]
        out: PathBuf,
        /// The source account id for the push bodies (default: the file's `accountId`).
        #[arg(long)]
        account_id: Option<String>,
        /// Transactions per push, at most the platform's limit (1000).
        #[arg(long)]
        batch_size: Option<usize>,
    },
    /// Validate a file and push it to Codat, batch by batch, with progress.
    #[command(
        long_about = "Validate a file and push it to a source account through Codat's API, in \
            batches, waiting for each push operation to finish. Every batch is written to the push \
            ledger (a SQLite file) before it is sent and updated as it goes, so a rerun sends \
            only what the account does not have yet, also after a crash or a kill: a batch whose \
            answer was lost is looked up, a pending one waited for. One push per account at a \
            time: the ledger holds a lease on the account while a push runs.\n\n\
            Codat's push history does not say what each push carried. When the account has pushes \
            the ledger does not know (a new machine, another ledger, another system), nothing is \
            sent until you choose: --unknown-history trust (none of the rows is on the account \
            yet) or --skip-through DATE[,ID] (the account has everything up to then).\n\n\
            A batch that ends TimedOut may or may not be in the accounting platform: its rows are \
            never sent again on their own. Check them there (`bankfeeds ledger list ... --ids` \
            lists them), then send the missing ones with --resend or --resend-file.\n\n\
            The rules applied are those of the connection's platform (--platform only names the \
            one you expect, and a different one is reported). The API key is read from the \
            CODAT_API_KEY environment variable, never from a flag, and is never printed.",
        after_help = "Examples:\n  \
            CODAT_API_KEY=... bankfeeds push statement.csv --company C --connection D --account acc-001\n  \
            CODAT_API_KEY=... bankfeeds push statement.csv --company C --connection D --account acc-001 \
            --skip-through 2024-05-31,tx-981\n  \
            CODAT_API_KEY=... bankfeeds push statement.csv --company C --connection D --account acc-001 \
            --resend tx-1042 --resend tx-1043\n  \
            CODAT_API_KEY=any bankfeeds push statement.csv --company C --connection D --account acc-001 \
            --base-url http://127.0.0.1:4010 --ledger sandbox-ledger.sqlite3   (against `bankfeeds sandbox`)\n\n\
            Exit codes: 0 every row is on the account, 1 the file has errors (nothing sent), \
            2 unreadable file, ledger or --resend-file, missing CODAT_API_KEY or bad arguments, \
            3 the push did not complete (a batch failed, timed out or is still pending, rows held \
            back, a request failed), 4 another push holds the account (nothing sent), \
            5 the account's history cannot be told (nothing sent)."
    )]
    Push(Box<push::PushArgs>),
    /// Push many accounts at once from a manifest, with a summary table.
    #[command(
        name = "push-all",
        long_about = "Push many accounts at once: each line of MANIFEST names a company, a \
            connection, a source account and a file, and each account is pushed as `bankfeeds \
            push` would push it (validated, in order, each row at most once, through the shared \
            push ledger), --concurrency accounts at a time. Requests keep to Codat's limit of \
            10 at once per company (--max-per-company) and to --max-in-flight in all; a \
            Retry-After holds every request back. A progress line per account goes to stderr, \
            a table to stdout at the end: per account, transactions pushed, skipped (already on \
            the account), held back and timed out (batches to reconcile), not pushed, and its \
            status. Rerun to push what is missing: an account's trouble never stops the others.\n\n\
            MANIFEST is CSV with the header company,connection,account,file; files are CSV or \
            JSON as `push` takes them, relative to the manifest's folder; blank lines and lines \
            starting with # are skipped. A bad line stops everything before any request, \
            naming the line.",
        after_help = "Example:\n  \
            CODAT_API_KEY=... bankfeeds push-all accounts.csv --ledger feeds.sqlite3 --concurrency 16\n\n\
            accounts.csv:\n  \
            company,connection,account,file\n  \
            8a21...,2e9d...,acc-001,statements/acc-001.csv\n\n\
            Exit codes: 0 every account complete, 1 some files have errors (nothing sent for \
            them), 2 unreadable manifest, file or ledger, missing CODAT_API_KEY or bad \
            arguments, 3 some accounts incomplete (or troubles of several kinds), 4 accounts \
            another push holds, 5 accounts whose history cannot be told."
    )]
    PushAll(push_all::PushAllArgs),
    /// Read the push ledger: every batch pushed, its state and its push operation.
    #[command(subcommand)]
    Ledger(LedgerCommand),
    /// Run the offline Codat sandbox in the foreground.
    #[command(
        long_about = "Run an in-memory Codat Bank Feeds server on 127.0.0.1 speaking the same API as \
            Codat, plus /sandbox/ endpoints that play the customer (link a connection, map an \
            account), read back stored transactions and inject faults. Its URL is the first line \
            of output. Stop it with Ctrl-C.",
        after_help = "Examples:\n  \
            bankfeeds sandbox\n  \
            bankfeeds sandbox --port 4010 --push-delay-ms 50 --today 2024-06-01\n  \
            bankfeeds sandbox --check-spec Codat-Bank-Feeds.json\n  \
            bankfeeds sandbox --webhook-url http://127.0.0.1:8787/ --webhook-secret whsec_...\n\n\
            See sandbox/README.md for the endpoints."
    )]
    Sandbox(sandbox::Options),
    /// Receive webhooks locally: check each delivery's signature and print its event.
    #[command(subcommand)]
    Webhooks(WebhooksCommand),
    /// Watch the whole bank feeds flow against an embedded sandbox: no account, no network.
    #[command(
        long_about = "Run the flow of Codat's bank feeds guides against a sandbox started on a free \
            port: create a company and a connection, complete the customer's link, create and map \
            a source account, then validate and push a small statement in batches, following each \
            push operation until it succeeds. Needs no Codat account and no network.",
        after_help = "Example:\n  bankfeeds demo"
    )]
    Demo,
}

#[derive(Debug, Subcommand)]
enum LedgerCommand {
    /// List the batches recorded for a connection (or one account), oldest first.
    #[command(
        long_about = "List the batches the push ledger recorded for a connection, or one of its \
            accounts, oldest first: each batch's state (sending, pending, success, failed, \
            timed_out, not_accepted), Codat's push operation key, when it was sent and last \
            updated, how many transactions it carried and its first and last id.\n\n\
            Use it to reconcile: a timed_out batch may or may not be in the accounting platform. \
            Check its ids there (--ids prints every one), then send the missing ones with \
            `bankfeeds push ... --resend ID` or `--resend-file FILE`. A sending or pending batch \
            is looked up or waited for by the next push.",
        after_help = "Examples:\n  \
            bankfeeds ledger list --company C --connection D --account acc-001\n  \
            bankfeeds ledger list --company C --connection D --ids --json\n\n\
            Exit codes: 0 listed (also when nothing is recorded), 2 no ledger at that path or it \
            cannot be read."
    )]
    List(ledger::ListArgs),
}

#[derive(Debug, Subcommand)]
enum WebhooksCommand {
    /// Run a local receiver that verifies every delivery and prints its event.
    #[command(
        long_about = "Run a local HTTP receiver for Codat's webhooks (or the sandbox's), for \
            development. Every delivery is verified as the SDK verifies it in every language: the \
            svix-id, svix-timestamp and svix-signature headers (or webhook-*), the timestamp within \
            --tolerance seconds of now either way, a v1 HMAC-SHA256 signature over the raw body, \
            then the body as an event.\n\n\
            Accepted deliveries are printed on stdout (message id, event type, kind, company, and \
            for push events the push operation's key and status; a redelivery of a message id \
            already seen is marked) and answered 204. Refused ones are printed on stderr with \
            their code (missing_header, invalid_timestamp, expired, invalid_signature, \
            invalid_body) and answered 400 or 401 with {\"code\", \"message\"}. With --json, \
            every delivery is one JSON line on stdout. The URL is printed on stderr first.\n\n\
            The secret is read from --secret or BANKFEEDS_WEBHOOK_SECRET (better: it stays out of \
            the shell's history and the process list) and is never printed.",
        after_help = "Examples:\n  \
            BANKFEEDS_WEBHOOK_SECRET=whsec_... bankfeeds webhooks listen --port 8787\n  \
            bankfeeds webhooks listen --port 8787 --secret whsec_... --json | jq .eventType\n\n\
            Exit codes: 0 stopped by Ctrl-C or SIGTERM, 2 no secret, a secret that is not \
            whsec_ and base64, or a port that cannot be listened on."
    )]
    Listen(webhooks::ListenArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    net::init_logging(cli.verbose);
    let code = match cli.command {
        Command::Validate {
            file,
            prepare,
            normalise,
            format,
        } => input::validate(&file, &prepare, format, normalise),
        Command::Prepare {
            file,
            prepare,
            out,
            account_id,
            batch_size,
        } => input::prepare(&file, &prepare, &out, account_id, batch_size),
        Command::Push(args) => push::run(*args),
        Command::PushAll(args) => push_all::run(args),
        Command::Ledger(LedgerCommand::List(args)) => ledger::list(&args),
        Command::Sandbox(options) => sandbox::run(options),
        Command::Webhooks(WebhooksCommand::Listen(args)) => webhooks::listen(&args),
        Command::Demo => demo::run(),
    };
    ExitCode::from(code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}
