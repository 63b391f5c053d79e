"""consent's pages: ``panelist`` (a panelist's consents and receipts; the public consent texts and
signing keys), ``privacy`` (a panelist's data: a copy, erasure), ``purposes`` (the operators' purposes,
texts and retention) and ``audit`` (the auditor console)."""
