"""Consent and privacy: what panelists agree to, the proof that they did, and what becomes of their data.

consent owns the purposes (built in, and operators' own), their versioned multilingual consent documents,
the consent log, the gate every collector passes (``consent.services.consent.consent_require``), signed
consent receipts, the auditor console and API, and the privacy registry: data-subject export and
erasure, retention periods, the daily purge and its log.

Invariants:
- The consent log is append-only (a trigger refuses UPDATE and DELETE) and hash-chained per tenant:
  appends serialise on the tenant's chain head, and ``chain_verify`` finds any altered, removed,
  reordered or inserted event.
- Evidence survives every purge: only ``consent_evidence_purge``, a function of the database, removes
  an event, and only one superseded (by the next event of its subject and purpose) longer ago than the
  retention, never under the 5-year floor; the latest event of every subject and purpose stays. Each
  removed event leaves a seal of its place in the chain, so the rest still verifies. Only owners change
  the evidence's retention, and every change of a retention is recorded for auditors.
- The application's database role may only read and append to the log (core.db_roles); a rewrite by
  someone with more (the owner's or a superuser's password) is caught against the signed checkpoints
  of the chain head that auditors keep outside the database (``consent.checkpoints``).
- Events name the subject by a pseudonymous id, never a foreign key: erasing a person leaves the
  evidence, unlinked from them.
- A published document is immutable (a trigger); a correction is a new version. A major version
  pauses collection under its purpose until the panelist consents to it.
- Collection needs active consent to the current major version; a withdrawal takes effect on the very
  next request, and its receipt is signed like a grant's.
- Every category of personal data is registered (each app's ``privacy.py``), so export, erasure and
  the purge cannot forget one; purges log counts, never contents.
- consent imports only accounts, tenants and core: the apps above hand it their data subjects
  (``consent.subjects``) and their privacy categories (``consent.registry``) from ``AppConfig.ready()``.
"""
