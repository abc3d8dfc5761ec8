//! The push ledger from the command line: where it is (`--ledger PATH`, by default the core's
//! [`default_path`]) and `bankfeeds ledger list`, to reconcile what was pushed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use bankfeeds::client::push::ledger::{
    LEDGER_ENV, LedgerAccount, LedgerBatch, PushLedger, SqliteLedger, default_path,
};
use serde_json::{Value, json};

use crate::output::clean;
use crate::{OK, UNREADABLE};

/// The help of `--ledger`, naming the default path this machine would use.
pub fn path_help() -> String {
    let default = match default_path() {
        Ok(path) => path.display().to_string(),
        Err(_) => format!("none: no home folder; set {LEDGER_ENV} or give --ledger"),
    };
    format!(
        "The push ledger: a SQLite file recording every batch pushed (created if missing) \
         [default: {default}; {LEDGER_ENV} sets another default]"
    )
}

/// The ledger file: the one given, or the default.
pub fn resolve(given: Option<&Path>) -> Result<PathBuf, String> {
    match given {
        Some(path) => Ok(path.to_path_buf()),
        None => default_path().map_err(|e| e.to_string()),
    }
}

/// The arguments of `bankfeeds ledger list`.
#[derive(Debug, Clone, clap::Args)]
pub struct ListArgs {
    #[arg(long, value_name = "PATH", help = path_help())]
    pub ledger: Option<PathBuf>,
    /// Codat's company id.
    #[arg(long)]
    pub company: String,
    /// The bank feeds connection id.
    #[arg(long)]
    pub connection: String,
    /// Only this source account's batches (default: every account of the connection).
    #[arg(long)]
    pub account: Option<String>,
    /// Print every transaction id of each batch, one a line.
    #[arg(long)]
    pub ids: bool,
    /// Print JSON (every batch with all its ids) instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `bankfeeds ledger list`.
pub fn list(args: &ListArgs) -> u8 {
    let path = match resolve(args.ledger.as_deref()) {
        Ok(p) => p,
        Err(message) => {
            eprintln!("bankfeeds: {message}");
            return UNREADABLE;
        }
    };
    // Listing never creates a ledger: a wrong path says so.
    if !path.is_file() {
        eprintln!(
            "bankfeeds: no push ledger at {}: give the one your pushes used with --ledger PATH",
            path.display()
        );
        return UNREADABLE;
    }
    let ledger = match SqliteLedger::open(&path) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("bankfeeds: {e}");
            return UNREADABLE;
        }
    };
    let mut batches = match ledger.batches(&args.company, &args.connection) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("bankfeeds: reading the push ledger: {e}");
            return UNREADABLE;
        }
    };
    if let Some(account) = &args.account {
        batches.retain(|b| &b.account.account_id == account);
    }
    batches.sort_by(|a, b| {
        (a.sent_at, &a.account.account_id, &a.batch_id).cmp(&(
            b.sent_at,
            &b.account.account_id,
            &b.batch_id,
        ))
    });
    let lease = args.account.as_ref().and_then(|account| {
        ledger
            .lease(&LedgerAccount::new(
                &args.company,
                &args.connection,
                account,
            ))
            .ok()
            .flatten()
    });
    if args.json {
        let report = json!({
            "ledger": path.display().to_string(),
            "companyId": args.company,
            "connectionId": args.connection,
            "accountId": args.account,
            "batches": batches.iter().map(batch_json).collect::<Vec<_>>(),
            "lease": lease,
        });
        say!(
            "{}",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        );
        return OK;
    }
    print_text(args, &path, &batches, lease.as_ref());
    OK
}

/// One batch as JSON: the state by its stable name, and every id.
fn batch_json(b: &LedgerBatch) -> Value {
    json!({
        "batchId": b.batch_id,
        "accountId": b.account.account_id,
        "operationKey": b.operation_key,
        "state": b.state.as_str(),
        "transactions": b.transaction_ids.len(),
        "firstId": b.transaction_ids.first(),
        "lastId": b.transaction_ids.last(),
        "transactionIds": b.transaction_ids,
        "oldest": b.oldest,
        "newest": b.newest,
        "sentAt": b.sent_at,
        "updatedAt": b.updated_at,
    })
}

fn print_text(
    args: &ListArgs,
    path: &Path,
    batches: &[LedgerBatch],
    lease: Option<&bankfeeds::client::push::ledger::Lease>,
) {
    let whose = match &args.account {
        Some(account) => format!("account {}", clean(account)),
        None => "every account".to_owned(),
    };
    say!(
        "{} batch(es) of {whose} of connection {} (company {}) in {}",
        batches.len(),
        clean(&args.connection),
        clean(&args.company),
        path.display()
    );
    for b in batches {
        let span = match (b.transaction_ids.first(), b.transaction_ids.last()) {
            (Some(first), Some(last)) if b.transaction_ids.len() > 1 => {
                format!("{}..{}", clean(first), clean(last))
            }
            (Some(only), _) => clean(only).into_owned(),
            _ => String::new(),
        };
        say!(
            "{:<12} operation {}  account {}  {} transaction(s) {span}  sent {}  updated {}",
            b.state.as_str(),
            clean(b.operation_key.as_deref().unwrap_or("-")),
            clean(&b.account.account_id),
            b.transaction_ids.len(),
            b.sent_at,
            b.updated_at
        );
        if args.ids {
            for id in &b.transaction_ids {
                say!("    {}", clean(id));
            }
        }
    }
    if let Some(lease) = lease {
        say!(
            "lease: held by {} until {}",
            clean(&lease.holder.to_string()),
            lease.expires_at
        );
    }
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for b in batches {
        *counts.entry(b.state.as_str()).or_default() += 1;
    }
    if !counts.is_empty() {
        let counts: Vec<String> = counts.iter().map(|(s, n)| format!("{n} {s}")).collect();
        say!("{}", counts.join(", "));
    }
    if batches
        .iter()
        .any(|b| b.state == bankfeeds::client::push::ledger::BatchState::TimedOut)
    {
        say!(
            "a timed_out batch may or may not be in the accounting platform: its ids are never \
             sent again on their own. Check them there (--ids), then send the missing ones with \
             `bankfeeds push ... --resend ID` or `--resend-file FILE` (a later success batch \
             holding them means they were resent)"
        );
    }
    if batches.iter().any(|b| b.state.is_open()) {
        say!(
            "sending and pending batches are looked up or waited for by the next push to the \
             account"
        );
    }
}
