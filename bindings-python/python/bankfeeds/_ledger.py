"""The push ledger protocol: what a ledger kept in a bank's own store implements.

``Client.push_transactions`` records every batch in a push ledger before it sends it, and holds a
lease per account there while it pushes. By default that is the core's SQLite file
(``bankfeeds.SqliteLedger`` at ``bankfeeds.default_ledger_path()``); a bank that keeps its state in
its own database passes any object with these five methods as ``ledger=``. No base class is
needed: the client calls the methods by name (this ``Protocol`` is for type checkers, and
``isinstance(x, PushLedger)`` works too).

Every method is called on the thread running the client call, and must be **durable before it
returns** (a batch Codat accepted but the ledger forgot would be sent again) and safe to call
from several threads and processes at once. What a method raises stops the call: it is raised by
the call as ``bankfeeds.LedgerError`` with the original as ``__cause__`` (``KeyboardInterrupt``,
``SystemExit`` and a ``LedgerError`` as they are).

A ledger in a dict, for one process (a real one writes to its database in each method)::

    import threading
    import bankfeeds

    class DictLedger:
        def __init__(self) -> None:
            self.batches_by_id: dict[str, bankfeeds.LedgerBatch] = {}
            self.leases: dict[bankfeeds.LedgerAccount, bankfeeds.Lease] = {}
            self.lock = threading.Lock()

        def batches(self, company_id: str, connection_id: str) -> list[bankfeeds.LedgerBatch]:
            with self.lock:
                return [b for b in self.batches_by_id.values()
                        if (b.account.company_id, b.account.connection_id) == (company_id, connection_id)]

        def save(self, batch: bankfeeds.LedgerBatch) -> None:
            with self.lock:
                self.batches_by_id[batch.batch_id] = batch      # insert, or replace by batch_id

        def acquire(self, account, holder, ttl):
            with self.lock:
                current = self.leases.get(account)
                if current is not None and not current.may_be_taken_by(holder):
                    return current                              # busy: the lease held
                self.leases[account] = bankfeeds.Lease(holder, bankfeeds.lease_expiry(ttl))
                return None                                     # taken

        def release(self, account, holder) -> None:
            with self.lock:
                current = self.leases.get(account)
                if current is not None and current.holder.id == holder.id:
                    del self.leases[account]

        def lease(self, account):
            with self.lock:
                return self.leases.get(account)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Optional, Protocol, runtime_checkable

if TYPE_CHECKING:  # pragma: no cover
    from bankfeeds._bankfeeds import Lease, LeaseHolder, LedgerAccount, LedgerBatch

__all__ = ["PushLedger"]


@runtime_checkable
class PushLedger(Protocol):
    """Where pushes are recorded and accounts leased; see the module for a whole example."""

    def batches(self, company_id: str, connection_id: str) -> Iterable[LedgerBatch]:
        """Every batch recorded on a connection, of all its accounts, in any order (a list, or any
        iterable of ``LedgerBatch``; ``LedgerBatch.from_dict`` reads a stored dict)."""
        ...

    def save(self, batch: LedgerBatch) -> None:
        """Writes a batch: inserts it, or replaces the one with the same ``batch_id``. Store it as
        given (``batch.to_dict()`` has every field)."""
        ...

    def acquire(self, account: LedgerAccount, holder: LeaseHolder, ttl: float) -> Optional[Lease]:
        """Takes (or renews) the account's lease for ``ttl`` seconds and returns ``None``; when
        another holder's lease may not be taken (``lease.may_be_taken_by(holder)`` is false),
        returns that lease and changes nothing. The new lease runs until
        ``bankfeeds.lease_expiry(ttl)``. Read and write under one lock or transaction."""
        ...

    def release(self, account: LedgerAccount, holder: LeaseHolder) -> None:
        """Gives the lease back (nothing happens when ``holder`` does not hold it)."""
        ...

    def lease(self, account: LedgerAccount) -> Optional[Lease]:
        """Who holds the account's lease now, if anyone."""
        ...
