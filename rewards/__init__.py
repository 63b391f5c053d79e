"""Rewards: each tenant's reward settings, the double-entry ledger, the monthly payout runs and the
payout providers (gift cards, mass payments, charities), the wallet, and the operators' money pages.

Invariants, kept by the database: every ledger transaction's legs sum to zero (a trigger run once per
statement, which also checks each leg's transaction and account); entries and transactions are
append-only (triggers), so a correction is a reversing transaction; only panelists' accounts cache a
balance (the tenant's own accounts are sums of their entries, so no credit locks a row of the
tenant's); a panelist's balance never goes negative (a check constraint); every posting has an
idempotency key unique per tenant, so a retry pays once (``rewards.services.ledger``). One payout
run per tenant and month and one payout per panelist and run (unique constraints), paid chunk by
chunk so that a worker killed anywhere pays everyone exactly once (``rewards.services.payouts``);
each gift-card code goes to one payout only (a trigger).

Rooms: ``selectors`` reads, ``services/`` writes, ``views/`` and ``api`` are thin, ``tasks`` wrap
services (Celery queue ``payouts``); ``money`` and ``periods`` are pure helpers; ``sources`` holds
the registries through which higher apps add reward sources and pending earnings.
"""
