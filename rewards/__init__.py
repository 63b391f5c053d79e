"""Rewards: the double-entry ledger, reward rules, receipts, payout runs and providers, the wallet.

So far it holds each tenant's reward settings (what each program pays), which the landing page
shows through ``panel.offers``; the ledger and payouts come next. The Celery queue ``payouts`` is reserved for its tasks
(``rewards.tasks.payout_*``).
"""
