"""Surveys: authoring, versions, targeting and distribution, responding, quality, results and exports.

Invariants, and where they live:
- A survey's questions and logic are SurveyJS JSON (``definition.py``), checked against a pinned
  JSON schema, then against what we support, then for its logic (``expressions.py``: our own
  evaluator, no ``eval``). Broken logic is refused at publish, never met while answering.
- A published version is frozen by a database trigger; every response is bound to the version it
  answered; one response per panelist and survey (a unique constraint).
- The server re-evaluates the logic on every page (``engine.py``), discards answers to hidden
  questions, and refuses a page the respondent cannot see.
- Quota cells count completes under row locks, and the database refuses a count over the limit.
- Money goes through ``rewards.services.ledger.panelist_credit`` with the key ``survey:<response id>``,
  so a repeated submit pays once.
"""
