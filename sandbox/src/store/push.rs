//! Pushes of bank transactions: accepted as `Pending`, finished by the platform's rules.

use serde_json::Value;

use super::accounts::{context_of, set_balance, set_modified};
use super::*;
use crate::query::{ListParams, Shortcuts};
use bankfeeds::model::{Page, PushOperationWithData};

/// The platform whose rules apply to a connection.
pub(super) fn platform_of(c: &Connection) -> Platform {
    c.platform_key()
        .map(Platform::from_key)
        .unwrap_or(Platform::Generic)
}

/// Findings as Codat's validation items.
fn validation_of(issues: &[&Issue], severity: Severity) -> Option<Vec<ValidationItem>> {
    let items: Vec<ValidationItem> = issues
        .iter()
        .filter(|i| i.severity == severity)
        .map(|i| ValidationItem {
            item_id: i.id.clone(),
            message: Some(i.message.clone()),
            validator_name: Some(i.code.as_str().to_owned()),
        })
        .collect();
    Some(items)
}

pub(super) fn validation(report: &ValidationReport) -> Validation {
    let issues: Vec<&Issue> = report.issues.iter().collect();
    Validation {
        errors: validation_of(&issues, Severity::Error),
        warnings: validation_of(&issues, Severity::Warning),
    }
}

/// One push operation and what it carries.
pub(crate) struct PushRec {
    pub(super) op: PushOperation,
    /// `op` as JSON, what get and list answer in the spec's shape; kept in step with `op` so
    /// that a list filters and orders without writing every operation out again.
    view: Value,
    payload: Payload,
    pub(super) due: Instant,
    time_out: bool,
}

/// What a push carries.
pub(super) enum Payload {
    /// A bank transactions push: its body as pushed, until it has finished (the legacy
    /// history keeps it, to answer `data`).
    Transactions(Option<CreateBankTransactions>),
    /// A bank account to create, and the fields it misses of what the platform requires.
    BankAccount {
        account: Box<BankAccount>,
        missing: Vec<ValidationItem>,
    },
}

/// A new `Pending` push operation.
pub(super) fn pending_operation(
    company_id: &str,
    connection_id: &str,
    data_type: DataType,
    timeout_in_minutes: Option<i32>,
) -> PushOperation {
    PushOperation {
        changes: Some(vec![PushOperationChange {
            r#type: Some(PushChangeType::Created),
            record_ref: Some(PushOperationRef {
                id: None,
                data_type: Some(data_type.clone()),
            }),
            attachment_id: None,
        }]),
        data_type: Some(data_type),
        company_id: company_id.to_owned(),
        push_operation_key: new_id(),
        data_connection_key: connection_id.to_owned(),
        requested_on_utc: now(),
        completed_on_utc: None,
        timeout_in_minutes,
        timeout_in_seconds: timeout_in_minutes.map(|m| m.saturating_mul(60)),
        status: PushOperationStatus::Pending,
        error_message: None,
        validation: Some(Validation {
            errors: Some(Vec::new()),
            warnings: Some(Vec::new()),
        }),
        status_code: 202,
    }
}

/// A push operation with the record it carried, as the push's own answer (and the legacy
/// history) has it.
pub(super) fn with_data<D>(op: &PushOperation, data: Option<D>) -> PushOperationWithData<D> {
    let op = op.clone();
    PushOperationWithData {
        changes: op.changes,
        data,
        data_type: op.data_type,
        company_id: op.company_id,
        push_operation_key: op.push_operation_key,
        data_connection_key: op.data_connection_key,
        requested_on_utc: op.requested_on_utc,
        completed_on_utc: op.completed_on_utc,
        timeout_in_minutes: op.timeout_in_minutes,
        timeout_in_seconds: op.timeout_in_seconds,
        status: op.status,
        error_message: op.error_message,
        validation: op.validation,
        status_code: op.status_code,
    }
}

/// A bank transactions body as Codat echoes it: `reconciled` filled in.
fn echo(body: &CreateBankTransactions) -> CreateBankTransactions {
    let mut data = body.clone();
    for tx in &mut data.transactions {
        tx.reconciled.get_or_insert(false);
    }
    data
}

/// Keeps a new push operation on its company; it finishes after the push delay.
pub(super) fn record(
    company: &mut CompanyRec,
    op: PushOperation,
    payload: Payload,
    time_out: bool,
    settings: &Settings,
) {
    let view = serde_json::to_value(&op).unwrap_or_default();
    let position = company.pushes.len();
    if company
        .pushes
        .last()
        .is_some_and(|last| last.op.requested_on_utc >= op.requested_on_utc)
    {
        company.pushes_in_time_order = false;
    }
    company
        .push_index
        .insert(op.push_operation_key.clone(), position);
    company
        .pushes_by_connection
        .entry(op.data_connection_key.to_lowercase())
        .or_default()
        .push(position);
    company.pushes.push(PushRec {
        op,
        view,
        payload,
        due: Instant::now() + settings.push_delay,
        time_out,
    });
}

impl PushRec {
    /// The operation as get and list answer it: the spec's, or with its `data` (legacy).
    fn answer(&self, legacy: bool) -> Value {
        let mut view = self.view.clone();
        if legacy && let Value::Object(map) = &mut view {
            let data = match &self.payload {
                Payload::Transactions(Some(body)) => serde_json::to_value(echo(body)).ok(),
                Payload::Transactions(None) => None,
                Payload::BankAccount { account, .. } => serde_json::to_value(account).ok(),
            };
            if let Some(data) = data {
                map.insert("data".into(), data);
            }
        }
        view
    }

    fn refresh(&mut self) {
        self.view = serde_json::to_value(&self.op).unwrap_or_default();
    }
}

/// The JSON names a push operation list can filter and order by; `data` only in the legacy
/// history, where operations carry it.
const PUSH_PROPERTIES: &[&str] = &[
    "changes",
    "dataType",
    "companyId",
    "pushOperationKey",
    "dataConnectionKey",
    "requestedOnUtc",
    "completedOnUtc",
    "timeoutInMinutes",
    "timeoutInSeconds",
    "status",
    "errorMessage",
    "validation",
    "statusCode",
];
const LEGACY_PUSH_PROPERTIES: &[&str] = &[
    "changes",
    "data",
    "dataType",
    "companyId",
    "pushOperationKey",
    "dataConnectionKey",
    "requestedOnUtc",
    "completedOnUtc",
    "timeoutInMinutes",
    "timeoutInSeconds",
    "status",
    "errorMessage",
    "validation",
    "statusCode",
];

impl Store {
    // ---- pushes ----------------------------------------------------------------------------

    /// Accepts a push of bank transactions as a `Pending` operation; spec-level problems are
    /// refused with 400.
    pub(crate) fn push(
        &mut self,
        path: (&str, &str, &str),
        body: CreateBankTransactions,
        timeout_in_minutes: Option<i32>,
        time_out: bool,
        settings: &Settings,
    ) -> Result<CreateBankTransactionsResponse, ApiError> {
        let (company_id, connection_id, account_id) = path;
        let rec = self.connection_rec(company_id, connection_id)?;
        if !rec.connection.status.is_linked() {
            return Err(ApiError::bad_request(format!(
                "Data connection {connection_id} is {}: transactions can only be pushed through a Linked connection.",
                rec.connection.status
            )));
        }
        if !rec.accounts.iter().any(|a| a.account.id() == account_id) {
            return Err(ApiError::bad_request(format!(
                "Source account {account_id} does not exist on data connection {connection_id}."
            )));
        }
        if body.account_id != account_id {
            return Err(ApiError::bad_request(format!(
                "The body's accountId `{}` is not the account in the path (`{account_id}`).",
                body.account_id
            )));
        }
        let max = CreateBankTransactions::MAX_TRANSACTIONS;
        if body.transactions.len() > max {
            return Err(ApiError::bad_request(format!(
                "A push carries at most {max} transactions; this one has {}.",
                body.transactions.len()
            )));
        }
        let op = pending_operation(
            company_id,
            connection_id,
            DataType::BankTransactions,
            timeout_in_minutes,
        );
        let answer = with_data(&op, Some(echo(&body)));
        let seq = self.company_seq(company_id)?;
        let company = self
            .companies
            .get_mut(&seq)
            .ok_or_else(|| ApiError::company_not_found(company_id))?;
        record(
            company,
            op,
            Payload::Transactions(Some(body)),
            time_out,
            settings,
        );
        self.pending_pushes
            .push_back((seq, company.pushes.len() - 1));
        Ok(answer)
    }

    /// One push operation as `get-create-operation` answers it.
    pub(crate) fn push_operation(
        &mut self,
        company_id: &str,
        key: &str,
        settings: &Settings,
    ) -> Result<Value, ApiError> {
        let company = self.company_rec(company_id)?;
        company
            .push_index
            .get(key)
            .map(|&i| company.pushes[i].answer(settings.push_data_in_history))
            .ok_or_else(|| ApiError::not_found(format!("Push operation {key} not found")))
    }

    /// A page of a company's push operations (`list-create-operations`): filtered and ordered
    /// on each operation's kept JSON, and only the page written out.
    pub(crate) fn push_operations(
        &mut self,
        company_id: &str,
        params: &ListParams,
        settings: &Settings,
    ) -> Result<Page<Value>, ApiError> {
        let legacy = settings.push_data_in_history;
        let company = self.company_rec(company_id)?;
        let properties = if legacy {
            LEGACY_PUSH_PROPERTIES
        } else {
            PUSH_PROPERTIES
        };
        // Conditions on `data` (legacy only) need each operation's data: the slow way.
        let full: Vec<Value>;
        let views: Vec<&Value> = if legacy && params.queries("data") {
            full = company.pushes.iter().map(|p| p.answer(true)).collect();
            full.iter().collect()
        } else {
            company.pushes.iter().map(|p| &p.view).collect()
        };
        let by_connection = |id: &str| {
            company
                .pushes_by_connection
                .get(id)
                .cloned()
                .unwrap_or_default()
        };
        let shortcuts = Shortcuts {
            sorted_by: company.pushes_in_time_order.then_some("requestedOnUtc"),
            index: Some(("dataConnectionKey", &by_connection)),
        };
        let (chosen, total) =
            params.select_with(&views, properties, "PushOperation", &shortcuts)?;
        let results = chosen
            .into_iter()
            .map(|i| company.pushes[i].answer(legacy))
            .collect();
        Ok(params.page(results, total, &format!("/companies/{company_id}/push")))
    }
}

/// Finishes the push at `index` and keeps its JSON in step; a finished bank transactions push
/// lets go of its body unless the legacy history needs it.
pub(super) fn complete_push(
    company: &mut CompanyRec,
    index: usize,
    settings: &Settings,
    stats: &mut Stats,
) {
    let CompanyRec {
        connections,
        pushes,
        ..
    } = company;
    let rec = &mut pushes[index];
    rec.op.completed_on_utc = Some(now());
    match &mut rec.payload {
        Payload::Transactions(body) => {
            if let Some(b) = body.as_ref() {
                complete_transactions(
                    connections,
                    &mut rec.op,
                    b,
                    rec.time_out,
                    settings.today(),
                    stats,
                );
            }
            if !settings.push_data_in_history {
                *body = None;
            }
        }
        Payload::BankAccount { account, missing } => {
            complete_bank_account(connections, &mut rec.op, account.as_mut(), missing);
        }
    }
    rec.refresh();
}

fn complete_bank_account(
    connections: &mut [ConnectionRec],
    op: &mut PushOperation,
    account: &mut BankAccount,
    missing: &[ValidationItem],
) {
    let Some(conn) = connections
        .iter_mut()
        .find(|c| c.connection.id == op.data_connection_key)
    else {
        op.status = PushOperationStatus::Failed;
        op.status_code = 404;
        op.error_message = Some("The connection was deleted before the push finished.".into());
        return;
    };
    let platform = platform_of(&conn.connection);
    if !missing.is_empty() {
        op.status = PushOperationStatus::Failed;
        op.status_code = 400;
        op.error_message = Some(format!(
            "{} refused the bank account: {} validation error(s).",
            platform.profile().name,
            missing.len()
        ));
        op.validation = Some(Validation {
            errors: Some(missing.to_vec()),
            warnings: Some(Vec::new()),
        });
        return;
    }
    let id = new_id();
    let at = now();
    account.id = Some(id.clone());
    account.account_type.get_or_insert(BankAccountType::Debit);
    account.status.get_or_insert(BankAccountStatus::Active);
    account.balance.get_or_insert(Decimal::ZERO);
    account.metadata = Some(Metadata {
        is_deleted: Some(false),
    });
    account.modified_date = Some(at);
    account.source_modified_date = Some(at);
    conn.bank_accounts.push(account.clone());
    if let Some(change) = op.changes.as_mut().and_then(|c| c.first_mut())
        && let Some(record) = change.record_ref.as_mut()
    {
        record.id = Some(id);
    }
    op.status = PushOperationStatus::Success;
    op.status_code = 200;
}

/// Finishes a bank transactions push: `TimedOut` when a fault asked for it, else validated with
/// the platform's rules against the account as it is now, and `Success` (transactions stored)
/// or `Failed`.
fn complete_transactions(
    connections: &mut [ConnectionRec],
    op: &mut PushOperation,
    body: &CreateBankTransactions,
    time_out: bool,
    today: NaiveDate,
    stats: &mut Stats,
) {
    if time_out {
        op.status = PushOperationStatus::TimedOut;
        op.status_code = 504;
        op.error_message = Some("The push operation timed out.".into());
        stats.pushes_timed_out += 1;
        return;
    }
    let found = connections
        .iter_mut()
        .find(|c| c.connection.id == op.data_connection_key)
        .and_then(|c| {
            let platform = platform_of(&c.connection);
            let acc = c
                .accounts
                .iter_mut()
                .find(|a| a.account.id() == body.account_id)?;
            Some((platform, acc))
        });
    let Some((platform, acc)) = found else {
        op.status = PushOperationStatus::Failed;
        op.status_code = 404;
        op.error_message = Some(
            "The source account or its connection was deleted before the push finished.".into(),
        );
        stats.pushes_failed += 1;
        return;
    };
    let mut ctx = ValidationContext::new(platform, today).with_account(context_of(&acc.account));
    if let Some(latest) = acc.latest {
        ctx = ctx.with_latest_existing(latest);
    }
    let report = validate::validate_push(body, &ctx);
    op.validation = Some(validation(&report));
    if report.is_valid() {
        let transactions = body.transactions.clone();
        let balance = transactions.last().and_then(|t| t.balance).or_else(|| {
            let start = acc.account.balance().unwrap_or_default();
            transactions
                .iter()
                .try_fold(start, |b, t| b.checked_add(t.amount))
        });
        if let Some(balance) = balance {
            set_balance(&mut acc.account, balance);
        }
        set_modified(&mut acc.account, now());
        stats.transactions_stored += transactions.len() as u64;
        let newest = transactions.iter().map(|t| t.date.datetime()).max();
        acc.latest = acc.latest.max(newest);
        acc.transactions.extend(transactions);
        op.status = PushOperationStatus::Success;
        op.status_code = 200;
        stats.pushes_succeeded += 1;
    } else {
        op.status = PushOperationStatus::Failed;
        op.status_code = 400;
        op.error_message = Some(format!(
            "{} refused the push: {} validation error(s).",
            platform.profile().name,
            report.error_count()
        ));
        stats.pushes_failed += 1;
    }
}
