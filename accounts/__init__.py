"""Accounts: one global login per person (email, verified), shared by every tenant they belong to.

The user model has no username; the email is the login. Signup is closed: staff accounts are created by
``tenant_create`` and ``seed_demo``, and panelists arrive through invitations (see panel/).
"""
