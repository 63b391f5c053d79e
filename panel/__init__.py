"""Panel: who is in each tenant's panel, and how people get in.

It owns the Panelist (a person's membership of one tenant, known to the operator only by a
pseudonymous ``public_id``; one account may be a panelist of several tenants, each tenant sees only
its own row), the public landing page and the waitlist (double opt-in, screening answers, status and
one-click leaving), releases from the waitlist, invitations (one by one, from a CSV file, reminders),
invite-only onboarding with the age gate, the panelist's home, and the one contact-frequency cap every
message goes through (``panel.contact``).

Invariants:
- invitation and waitlist links are derived by HMAC (``panel.tokens``), never stored;
- accepting an invitation locks it, so two signups racing on one token make one panelist, and a panel
  never admits more than its capacity;
- below the tenant's minimum age nothing about the person is kept: not the account, the invitation,
  the waitlist row and answers, the contact log, nor a log line;
- a release never exceeds the remaining capacity and records who ran it, the method, the seed and the
  achieved shares, so that a selection can be explained and repeated;
- a message over the contact cap is not sent now and not lost: the hourly run sends it later.

Layout: ``selectors.py`` (reads), ``services/`` (writes), ``views/`` (public, onboarding, console
pages), ``api.py``, ``tasks.py``, ``privacy.py``, ``urls.py``. Apps above panel reach it through the
registries in ``panel.demo`` (seed_demo) and ``panel.offers`` (what each program pays).
"""
