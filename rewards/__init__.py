"""Rewards: the double-entry ledger, reward rules, receipts, payout runs and providers, the wallet.

So far it holds each tenant's reward settings (what each program pays), which the landing page
shows through ``panel.offers``, and the double-entry ledger (``rewards.ledger``): every transaction's
legs sum to zero (a deferred constraint trigger), entries and transactions are append-only
(triggers), a panelist's balance never goes negative (a check constraint), and every posting has an
idempotency key unique per tenant. Payout runs, the wallet and the console pages come next. The
Celery queue ``payouts`` is reserved for their tasks (``rewards.tasks.payout_*``).
"""
