"""consent's writes, one module per area: ``consent`` (grant, withdraw, a panelist's change, and the
``consent_require`` gate), ``receipts`` (the signing key, signed receipts, their email copy),
``purposes`` (built-in and operators' purposes), ``documents`` (publishing a version of a consent text)
and ``privacy`` (data-subject export and erasure, retention and the daily purge)."""
