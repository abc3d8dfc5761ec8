//! One pusher per account: the ledger's lease, taken for the length of a push, renewed as it
//! goes and given back at the end (also when the push fails or its future is dropped).

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use super::ledger::{LeaseHolder, LedgerAccount, LedgerError, PushLedger};
use crate::client::Error;

/// Holds an account's lease while it lives.
pub(crate) struct AccountLease {
    ledger: Arc<dyn PushLedger>,
    account: LedgerAccount,
    holder: LeaseHolder,
    ttl: Duration,
    renewed: Instant,
}

impl AccountLease {
    /// Takes the lease, waiting up to `wait` for another holder to give it back.
    pub(crate) async fn take(
        ledger: Arc<dyn PushLedger>,
        account: LedgerAccount,
        ttl: Duration,
        wait: Duration,
    ) -> Result<AccountLease, Error> {
        let holder = LeaseHolder::this_process();
        let started = Instant::now();
        loop {
            match ledger.acquire(&account, &holder, ttl) {
                Ok(()) => {
                    tracing::debug!(
                        account_id = %account.account_id,
                        waited_ms = started.elapsed().as_millis() as u64,
                        "ledger lease taken"
                    );
                    return Ok(AccountLease {
                        ledger,
                        account,
                        holder,
                        ttl,
                        renewed: Instant::now(),
                    });
                }
                Err(LedgerError::Busy { lease }) => {
                    let waited = started.elapsed();
                    if waited >= wait {
                        tracing::warn!(
                            account_id = %account.account_id,
                            holder = %lease.holder,
                            "ledger lease busy"
                        );
                        return Err(Error::AccountBusy {
                            account_id: account.account_id,
                            holder: lease.holder.to_string(),
                            expires_at: lease.expires_at,
                        });
                    }
                    let pause = (wait - waited).min(Duration::from_millis(250));
                    tokio::time::sleep(pause).await;
                }
                Err(e) => return Err(Error::ledger("taking the account's lease", e)),
            }
        }
    }

    /// Renews the lease once a third of its time has passed.
    pub(crate) fn renew_if_due(&mut self) -> Result<(), Error> {
        if self.renewed.elapsed() < self.ttl / 3 {
            return Ok(());
        }
        match self.ledger.acquire(&self.account, &self.holder, self.ttl) {
            Ok(()) => {
                tracing::debug!(account_id = %self.account.account_id, "ledger lease renewed");
                self.renewed = Instant::now();
                Ok(())
            }
            // Our lease lapsed (the process was suspended?) and someone else took the account.
            Err(LedgerError::Busy { lease }) => Err(Error::AccountBusy {
                account_id: self.account.account_id.clone(),
                holder: lease.holder.to_string(),
                expires_at: lease.expires_at,
            }),
            Err(e) => Err(Error::ledger("renewing the account's lease", e)),
        }
    }
}

impl Drop for AccountLease {
    fn drop(&mut self) {
        // Failing to give it back only delays the next pusher until the lease lapses.
        let _ = self.ledger.release(&self.account, &self.holder);
    }
}
