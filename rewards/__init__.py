"""Rewards: the double-entry ledger, reward rules, receipts, payout runs and providers, the wallet.

Empty until the rewards issue fills it. The Celery queue ``payouts`` is reserved for its tasks
(``rewards.tasks.payout_*``).
"""
