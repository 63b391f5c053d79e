"""panel's pages: ``public`` (the landing page and the waitlist links), ``onboarding`` (joining from an
invitation, the panelist's home) and ``console`` (the operators' panelists, waitlist and invitations)."""
