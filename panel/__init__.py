"""Panel: the panelists of each tenant (and, as later issues add them, the waitlist, invitations and
onboarding).

A Panelist is a person's membership of one tenant, known to the operator by a pseudonymous
``public_id``. One account may be a panelist of several tenants; each tenant sees only its own row.
"""
