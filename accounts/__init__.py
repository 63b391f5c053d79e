"""Accounts: one global login per person (email, verified), shared by every tenant they belong to.

accounts owns the user model, the rule of the second factor, and the admin's sign-in.

Invariants:
- The email is the login (no username) and is unique whatever its case (a database constraint).
- Signup is closed: owners' accounts are created by ``tenant_create``, demo accounts by ``seed_demo``,
  and panelists arrive through invitations (see panel/).
- Staff of any tenant and platform admins must have passed TOTP in the current login, not merely own an
  authenticator (``accounts.mfa``); the Django admin is reached through allauth's sign-in.
- Expired sessions are purged daily (``session_purge``): they hold personal data and serve no purpose.

accounts imports only core; the categories of its personal data are declared in ``consent/privacy.py``.
"""
