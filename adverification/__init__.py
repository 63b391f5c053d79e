"""Ad verification: an opt-in browser extension counts the ads a panelist sees, domains only.

What it owns and keeps true:

- The program of each tenant (``AdProgram``): the watch list of ad domains (impressions) and landing
  domains (clicks), the k of its reports, the most devices a panelist may pair.
- Devices (``Device``): a browser paired with a one-time code (8 characters, 10 minutes, once), which
  then holds a device token; only the token's SHA-256 is kept. Withdrawing consent to
  ``ad_verification`` revokes every device of the panelist at once; a panelist under 18 never pairs.
- Counts (``AdCount``): per (watched domain, registrable domain of the site, hour, impression or click),
  never a URL, a path or page content. Loaded with ``COPY`` into a table range-partitioned by month on
  the hour; a batch is all or nothing and idempotent by its UUID (``AdBatch``). Retention drops whole
  monthly partitions, through functions the owner role owns (the application's role owns no table).
- Daily roll-ups (``AdDaily``) per watched domain, site and day of the tenant: what reports read, only
  cells of at least k distinct panelists; the rest merges into "other".
- The monthly participation reward, a reward source of ``rewards``: a panelist whose device was active
  on enough days of the month is credited ``adverification:<YYYY-MM>:<panelist>``.
"""
