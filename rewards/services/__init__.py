"""The writes of rewards, one module a concern: ``ledger`` (postings), ``payouts`` (the monthly run),
``settlement`` (closing payouts), ``providers`` (gift cards, mass payments, charities),
``adjustments`` (manual postings), ``wallet`` (the payout preference) and ``settings`` (the reward
settings). Each writes in a transaction and refuses with a ``DomainError`` before it writes."""
