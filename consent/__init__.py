"""Consent and privacy: purposes, versioned consent documents, the append-only hash-chained consent
log, enforcement, consent receipts, the auditor console and the privacy registry.

Empty until the consent issue fills it; the console already names its place (Consent, for the
owner and auditor roles).
"""
