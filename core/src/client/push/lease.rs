//! One pusher per account: the ledger's lease, taken for the length of a push, renewed as it
//! goes and given back at the end (also when the push fails or its future is dropped).

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use super::ledger::{LeaseHolder, LedgerAccount, LedgerError, PushLedger};
use crate::client::Error;
use crate::dates::Timestamp;

/// Holds an account's lease while it lives.
pub(crate) struct AccountLease {
    ledger: Arc<dyn PushLedger>,
    account: LedgerAccount,
    holder: LeaseHolder,
    ttl: Duration,
    /// When it was last taken or renewed, by this process's clock (which does not jump)...
    renewed: Instant,
    /// ...and by the wall clock, which the lease's expiry is written in and which can jump (a
    /// clock set forward, a virtual machine resumed): either one makes a renewal due.
    renewed_at: Timestamp,
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
                        renewed_at: Timestamp::now(),
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

    /// Renews the lease once a third of its time has passed, by either clock.
    pub(crate) fn renew_if_due(&mut self) -> Result<(), Error> {
        let third = self.ttl / 3;
        let wall = Timestamp::now().utc() - self.renewed_at.utc();
        let wall_due = chrono::TimeDelta::from_std(third).is_ok_and(|t| wall >= t || wall < -t);
        if self.renewed.elapsed() < third && !wall_due {
            return Ok(());
        }
        self.renew()
    }

    /// Renews the lease now, and so checks that this push still holds it: another pusher may
    /// have taken it over once it looked lapsed (this process stalled past its expiry, or the
    /// wall clock jumped forward). Done before every batch, so that a push that lost its
    /// account stops before sending more.
    pub(crate) fn renew(&mut self) -> Result<(), Error> {
        match self.ledger.acquire(&self.account, &self.holder, self.ttl) {
            Ok(()) => {
                tracing::debug!(account_id = %self.account.account_id, "ledger lease renewed");
                self.renewed = Instant::now();
                self.renewed_at = Timestamp::now();
                Ok(())
            }
            // Our lease lapsed and someone else took the account.
            Err(LedgerError::Busy { lease }) => {
                tracing::warn!(
                    account_id = %self.account.account_id,
                    holder = %lease.holder,
                    "ledger lease lost to another pusher"
                );
                Err(Error::AccountBusy {
                    account_id: self.account.account_id.clone(),
                    holder: lease.holder.to_string(),
                    expires_at: lease.expires_at,
                })
            }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::push::ledger::MemoryLedger;

    /// A renewal is due by the wall clock too (which the lease's expiry is written in): after the
    /// wall clock jumped forward past the lease, a push that did not notice on its own clock
    /// finds out at its next check that another pusher took the account.
    #[test]
    fn a_renewal_falls_due_when_the_wall_clock_jumps() {
        let ledger: Arc<dyn PushLedger> = Arc::new(MemoryLedger::new());
        let account = LedgerAccount::new("c", "k", "a");
        let ttl = Duration::from_secs(120);
        let holder = LeaseHolder::this_process();
        ledger.acquire(&account, &holder, ttl).unwrap();
        let mut lease = AccountLease {
            ledger: Arc::clone(&ledger),
            account: account.clone(),
            holder: holder.clone(),
            ttl,
            renewed: Instant::now(),
            renewed_at: Timestamp::now(),
        };
        // Not due on either clock: nothing is read, so a takeover is not seen yet.
        ledger.release(&account, &holder).unwrap();
        let other = LeaseHolder::this_process();
        ledger.acquire(&account, &other, ttl).unwrap();
        assert!(lease.renew_if_due().is_ok());
        // The wall clock says the lease was renewed an hour ago (it jumped forward since).
        lease.renewed_at = Timestamp::new(Timestamp::now().utc() - chrono::TimeDelta::hours(1));
        match lease.renew_if_due() {
            Err(Error::AccountBusy { holder, .. }) => assert_eq!(holder, other.to_string()),
            got => panic!("{got:?}"),
        }
        // Or went back by as much.
        lease.renewed_at = Timestamp::new(Timestamp::now().utc() + chrono::TimeDelta::hours(1));
        assert!(matches!(
            lease.renew_if_due(),
            Err(Error::AccountBusy { .. })
        ));
        // The one that holds it renews.
        ledger.release(&account, &other).unwrap();
        assert!(lease.renew_if_due().is_ok());
        assert_eq!(ledger.lease(&account).unwrap().unwrap().holder, holder);
        // Dropped, it gives the lease back.
        drop(lease);
        assert_eq!(ledger.lease(&account).unwrap(), None);
    }
}
