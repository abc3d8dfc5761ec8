//! Pushes of bank transactions: accepted as `Pending`, finished by the platform's rules.

use super::accounts::{context_of, set_balance, set_modified};
use super::*;

/// The platform whose rules apply to a connection.
fn platform_of(c: &Connection) -> Platform {
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
        let mut data = body.clone();
        for tx in &mut data.transactions {
            tx.reconciled.get_or_insert(false);
        }
        let op = CreateBankTransactionsResponse {
            changes: Some(vec![PushOperationChange {
                r#type: Some(PushChangeType::Created),
                record_ref: Some(PushOperationRef {
                    id: None,
                    data_type: Some(DataType::BankTransactions),
                }),
                attachment_id: None,
            }]),
            data: Some(data),
            data_type: Some(DataType::BankTransactions),
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
        };
        let company = self.company_rec(company_id)?;
        company.pushes.push(PushRec {
            op: op.clone(),
            body,
            due: Instant::now() + settings.push_delay,
            time_out,
        });
        Ok(op)
    }

    pub(crate) fn push_operation(
        &mut self,
        company_id: &str,
        key: &str,
    ) -> Result<CreateBankTransactionsResponse, ApiError> {
        self.company_rec(company_id)?
            .pushes
            .iter()
            .find(|p| p.op.push_operation_key == key)
            .map(|p| p.op.clone())
            .ok_or_else(|| ApiError::not_found(format!("Push operation {key} not found")))
    }

    pub(crate) fn push_operations(
        &mut self,
        company_id: &str,
    ) -> Result<Vec<CreateBankTransactionsResponse>, ApiError> {
        Ok(self
            .company_rec(company_id)?
            .pushes
            .iter()
            .map(|p| p.op.clone())
            .collect())
    }
}

/// Finishes the push at `index`: `TimedOut` when a fault asked for it, else validated with the
/// platform's rules against the account as it is now, and `Success` (transactions stored) or
/// `Failed`.
pub(super) fn complete_push(
    company: &mut CompanyRec,
    index: usize,
    today: NaiveDate,
    stats: &mut Stats,
) {
    let CompanyRec {
        connections,
        pushes,
        ..
    } = company;
    let rec = &mut pushes[index];
    let body = &rec.body;
    let op = &mut rec.op;
    op.completed_on_utc = Some(now());
    if rec.time_out {
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
    if let Some(latest) = acc.transactions.iter().map(|t| t.date).max() {
        ctx = ctx.with_latest_existing(latest.datetime());
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
