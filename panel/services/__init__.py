"""panel's writes, one module per area: ``panelists``, ``invitations`` (create, send, revoke, resend,
accept with the age gate), ``invitation_import`` (a CSV file, all or nothing), ``waitlist`` (join,
confirm, leave, screening questions) and ``release`` (from the waitlist to invitations)."""
