"""Accounts: one global login per person (email, verified), shared by every tenant they belong to.

accounts owns the user model, the rules of the second factor, the limits on failed sign-ins, and the
admin's sign-in.

Invariants:
- The email is the login (no username) and is unique whatever its case (a database constraint).
- Signup is closed: owners' accounts are created by ``tenant_create``, demo accounts by ``seed_demo``,
  and panelists arrive through invitations (see panel/).
- Staff of any tenant and platform admins must have passed TOTP in the current login, not merely own an
  authenticator (``accounts.mfa``); the Django admin is reached through allauth's sign-in.
- Expired sessions are purged daily (``session_purge``): they hold personal data and serve no purpose.
- Setting up a second factor needs a code mailed to the account's verified address, typed in the same
  session (``accounts.services.mfa_enrolment_code_*``, in front of allauth's activation page), then
  the password again; recovery codes come with it. Every change of factor mails the account a notice.
- Failed sign-ins slow the client that fails, never the owner (``accounts.throttle``).
- Second-factor secrets are stored encrypted under FIELD_ENCRYPTION_KEYS (``accounts.adapter.MFAAdapter``,
  ``core.crypto``).

accounts imports only core; the categories of its personal data are declared in ``consent/privacy.py``.
"""
