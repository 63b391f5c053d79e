"""Monthly payout runs: credit the month's participation rewards, then pay every balance at or over
the tenant's threshold, exactly once.

The database carries the guarantees, so a worker can be killed anywhere:

- one run per tenant and period, one payout per panelist and run (unique constraints);
- a run's panelist accounts are split into chunks by id range when the run is created, in the same
  transaction as the run, so a run never exists with half its chunks;
- a worker claims a chunk with ``FOR UPDATE SKIP LOCKED`` and pays it in the transaction that marks
  it done: killed half-way, the transaction rolls back and the chunk is still pending;
- every posting has an idempotency key (``payout:<run>:<panelist>``), so even a replayed chunk
  cannot move money twice;
- a sweeper re-enqueues chunks whose task stopped moving (a lost message, a killed worker).

Money moves as: panelist balance -> payout clearing when the payout is made; clearing -> the
provider's account (or the charity's) when it is settled; clearing -> panelist balance when the
provider returns it, so it is paid at the next run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from consent.selectors import consent_subjects_active_between
from core.errors import Conflict, DomainError
from panel.selectors import panelist_public_ids
from rewards.models import (
    Charity,
    Payout,
    PayoutChunk,
    PayoutMethod,
    PayoutRun,
)
from rewards.periods import month_start_local, next_month, period_start_at
from rewards.selectors import payout_chunk_pending_ids, payout_run_for_period, payout_runs_due_list, reward_settings_get
from rewards.services.ledger import (
    Posting,
    charity_account_ensure,
    clearing_account_ensure,
    expense_account_ensure,
    ledger_post_many,
    panelist_accounts_ensure,
    provider_account_ensure,
)
from rewards.services.providers import giftcards_assign, giftcards_waiting_retry
from rewards.services.settlement import payouts_settle
from rewards.sources import REWARD_SOURCES, RewardSource, SourceCredit
from rewards.tasks import payout_chunk_task, payout_run_start_task, payout_stock_alert_task
from tenants.models import Membership, Tenant
from tenants.roles import Role

logger = logging.getLogger(__name__)

CREDIT_BATCH = 2000


# -- step 1: the month's participation rewards -------------------------------------------------------


def monthly_rewards_credit(*, tenant: Tenant, period: date) -> int:
    """Credit what every registered source says was earned in ``period``, to the panelists whose
    consent to the source's purpose was active at some moment of that month (``rewards.sources``);
    safe to run again."""
    posted = 0
    end = next_month(period)
    month = (period_start_at(tenant, period), period_start_at(tenant, end))
    for source in REWARD_SOURCES:
        batch: list[SourceCredit] = []
        skipped = 0
        for credit in source.collect(tenant, period, end):
            if credit.amount <= 0:
                raise DomainError(f"Reward source '{source.key}' gave a non-positive amount ({credit.amount}).")
            batch.append(credit)
            if len(batch) >= CREDIT_BATCH:
                consented = _consented(tenant, source, batch, month)
                posted += _credit_batch(tenant, period, source, consented)
                skipped += len(batch) - len(consented)
                batch = []
        consented = _consented(tenant, source, batch, month)
        posted += _credit_batch(tenant, period, source, consented)
        skipped += len(batch) - len(consented)
        if skipped:  # a count, never who
            logger.info("credits of %s for %s in %s without consent to %s that month, not paid: %d",
                        source.key, f"{period:%Y-%m}", tenant.slug, source.purpose, skipped)  # fmt: skip
    return posted


def _consented(
    tenant: Tenant, source: RewardSource, credits: list[SourceCredit], month: tuple[datetime, datetime]
) -> list[SourceCredit]:
    """The credits whose panelist had consent to the source's purpose at some moment of the month."""
    if not credits:
        return []
    public_ids = panelist_public_ids(tenant=tenant, panelist_ids=[c.panelist_id for c in credits])
    active = consent_subjects_active_between(
        tenant=tenant, purpose_key=source.purpose, subjects=public_ids.values(), start=month[0], end=month[1]
    )
    return [c for c in credits if public_ids.get(c.panelist_id) in active]


def _credit_batch(tenant: Tenant, period: date, source: RewardSource, credits: list[SourceCredit]) -> int:
    if not credits:
        return 0
    with transaction.atomic():
        accounts = panelist_accounts_ensure(tenant=tenant, panelist_ids=[c.panelist_id for c in credits])
        expense = expense_account_ensure(tenant=tenant)
        postings = [
            Posting(
                key=f"{source.key}:{period:%Y-%m}:{c.panelist_id}",
                source=c.source,
                legs=((accounts[c.panelist_id], c.amount), (expense.pk, -c.amount)),
            )
            for c in credits
            if c.panelist_id in accounts
        ]
        return len(ledger_post_many(tenant=tenant, reason=source.reason, postings=postings))


# -- step 2: the run and its chunks ------------------------------------------------------------------


@dataclass(frozen=True)
class RunStart:
    run: PayoutRun
    created: bool
    credited: int


def tenant_accounts_ensure(*, tenant: Tenant) -> None:
    """Create the tenant's own payout accounts (clearing, each provider, each charity) that do not exist
    yet, before any chunk posts to them: chunks then only read them (they cache no balance, so nothing
    about them is locked or updated while paying)."""
    clearing_account_ensure(tenant=tenant)
    for method in (PayoutMethod.GIFT_CARD, PayoutMethod.MASS_PAYMENT):
        provider_account_ensure(tenant=tenant, method=method)
    for pk in Charity.objects.for_tenant(tenant).values_list("pk", flat=True):
        charity_account_ensure(tenant=tenant, charity_id=pk)


def payout_run_start(*, tenant: Tenant, period: date, actor: str = "system", now: datetime | None = None) -> RunStart:
    """Create the run for ``period`` (or return the one that exists) and plan its chunks.

    A replay of an existing run writes nothing here; its pending chunks are enqueued again by
    :func:`payout_run_enqueue`.
    """
    if period >= month_start_local(tenant, now):
        raise DomainError(
            _("%(month)s has not ended yet; a run pays for a month that is over.") % {"month": f"{period:%Y-%m}"},
            fields={"period": [_("Choose a month that has ended.")]},
        )
    existing = payout_run_for_period(tenant=tenant, period=period)
    if existing is not None:
        return RunStart(existing, False, 0)
    credited = monthly_rewards_credit(tenant=tenant, period=period)
    threshold = reward_settings_get(tenant=tenant).payout_threshold
    tenant_accounts_ensure(tenant=tenant)  # they exist before any chunk posts to them
    try:
        with transaction.atomic():
            run = PayoutRun.objects.create(
                tenant=tenant, period=period, threshold=max(threshold, 1), actor=actor, last_progress_at=timezone.now()
            )
            run.chunks_total = _plan_chunks(run)
            run.save(update_fields=["chunks_total"])
    except IntegrityError:  # started concurrently a moment ago: that run stands
        return RunStart(PayoutRun.objects.for_tenant(tenant).get(period=period), False, credited)
    logger.info("payout run %s planned: %s chunks", run.pk, run.chunks_total)
    if run.chunks_total == 0:
        payout_run_finish_if_done(run_id=run.pk)
        run.refresh_from_db()
    return RunStart(run, True, credited)


def _plan_chunks(run: PayoutRun) -> int:
    size = settings.PAYOUT_CHUNK_SIZE
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM rewards_ledgeraccount WHERE tenant_id = %s AND kind = 'panelist' AND balance >= %s"
            " ORDER BY id",
            [run.tenant_id, run.threshold],
        )
        ids = [row[0] for row in cursor.fetchall()]
    chunks = [
        PayoutChunk(
            tenant_id=run.tenant_id,
            run=run,
            number=n,
            first_account_id=ids[start],
            last_account_id=ids[min(start + size, len(ids)) - 1],
            accounts=min(size, len(ids) - start),
        )
        for n, start in enumerate(range(0, len(ids), size), start=1)
    ]
    PayoutChunk.objects.bulk_create(chunks, batch_size=1000)
    return len(chunks)


def payout_run_enqueue(*, run: PayoutRun, stalled_before: datetime | None = None) -> int:
    """Enqueue a task for each pending chunk (only those idle since ``stalled_before``, if given)."""
    chunks = PayoutChunk.objects.filter(run=run, status=PayoutChunk.Status.PENDING)
    if stalled_before is not None:
        chunks = chunks.filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=stalled_before))
    with transaction.atomic():  # a chunk being paid right now is locked: it is moving, leave it
        ids = list(chunks.select_for_update(skip_locked=True).values_list("pk", flat=True))
        PayoutChunk.objects.filter(run=run, pk__in=ids).update(enqueued_at=timezone.now())
    for chunk_id in ids:
        payout_chunk_task.delay_on_commit(chunk_id)
    return len(ids)


# -- step 3: paying a chunk -------------------------------------------------------------------------

# The chunk's payable accounts are locked first, in id order (the order every posting locks panelists
# in). Then one statement, which sees them as they are now that nobody else can move them, does the
# whole chunk:
# - it decides each payout: the method is the panelist's choice when the tenant offers it; otherwise
#   email, then a gift card; never a donation the panelist did not choose; none (the balance waits)
#   when nothing is offered. The amount is the whole balance, or for a gift card the whole codes it
#   buys (the rest stays). An erased panelist (no account left) has nobody to pay; a charity no longer
#   offered is never paid;
# - it takes each amount off the balance, posts each payout's ledger transaction (its two legs in one
#   INSERT, as every posting does: the entries' statement check proves them) and inserts the payouts;
# - it returns the payouts a provider takes at once (gift cards, donations) and the chunk's totals.
# Every payout key is new (a pending chunk has no payouts yet: they and its "done" commit together),
# so a key posted before is a unique violation that rolls the whole chunk back.
# Each account finds its panelist, user and preference by key: a hash join would read every panelist of
# the tenant for each chunk, and a chunk's cost would grow with the panel instead of its 1,000 rows.
_PAY_SQL = """
WITH eligible AS (
    SELECT a.id, a.panelist_id, a.balance, pref.method AS chosen, c.id AS charity_id,
           COALESCE(NULLIF(pref.email, ''), u.email, '') AS email
    FROM rewards_ledgeraccount a
    JOIN panel_panelist p ON p.id = a.panelist_id AND p.user_id IS NOT NULL
    JOIN accounts_user u ON u.id = p.user_id
    LEFT JOIN rewards_payoutpreference pref ON pref.panelist_id = a.panelist_id
    LEFT JOIN rewards_charity c ON c.id = pref.charity_id AND c.is_active
    WHERE a.tenant_id = %(tenant)s AND a.kind = 'panelist' AND a.id BETWEEN %(first)s AND %(last)s
      AND a.balance >= %(threshold)s
), decided AS (
    SELECT e.*, CASE
        WHEN e.chosen = 'charity' AND %(charity)s AND e.charity_id IS NOT NULL THEN 'charity'
        WHEN e.chosen = 'gift_card' AND %(gift_card)s THEN 'gift_card'
        WHEN %(mass_payment)s AND e.email <> '' THEN 'mass_payment'
        WHEN %(gift_card)s THEN 'gift_card'
    END AS method
    FROM eligible e
), paid AS (
    SELECT d.*, CASE WHEN d.method = 'gift_card' THEN d.balance / %(card)s * %(card)s ELSE d.balance END AS amount
    FROM decided d WHERE d.method IS NOT NULL
), moved AS (
    UPDATE rewards_ledgeraccount a SET balance = a.balance - paid.amount
    FROM paid WHERE a.id = paid.id AND paid.amount > 0
    RETURNING a.id AS account_id, paid.panelist_id, paid.amount, paid.method, paid.email, paid.charity_id
), numbered AS (
    SELECT m.*, nextval(pg_get_serial_sequence('rewards_ledgertransaction', 'id')) AS txn_id
    FROM moved m ORDER BY m.account_id
), txns AS (
    INSERT INTO rewards_ledgertransaction (id, tenant_id, idempotency_key, reason, source, memo, actor, created_at)
    SELECT n.txn_id, %(tenant)s, 'payout:' || %(run)s || ':' || n.panelist_id, 'payout', 'payout-run:' || %(run)s,
           '', 'system', clock_timestamp()
    FROM numbered n ORDER BY n.txn_id
), legs AS (
    INSERT INTO rewards_ledgerentry (tenant_id, transaction_id, account_id, amount)
    SELECT %(tenant)s, n.txn_id, leg.account_id, leg.amount
    FROM numbered n CROSS JOIN LATERAL (VALUES (n.account_id, -n.amount), (%(clearing)s::bigint, n.amount))
        AS leg(account_id, amount)
    ORDER BY n.txn_id
), payouts AS (
    INSERT INTO rewards_payout (tenant_id, run_id, panelist_id, account_id, amount, currency, method, status,
                                reference, email, charity_id, gift_card_value, note, created_at)
    SELECT %(tenant)s, %(run)s, n.panelist_id, n.account_id, n.amount, %(currency)s, n.method, 'pending',
           %(reference)s || n.panelist_id,
           CASE WHEN n.method = 'mass_payment' THEN n.email ELSE '' END,
           CASE WHEN n.method = 'charity' THEN n.charity_id END,
           CASE WHEN n.method = 'gift_card' THEN %(card)s::bigint END,
           '', now()
    FROM numbered n ORDER BY n.txn_id
    RETURNING id, method
)
SELECT (SELECT COUNT(*) FROM numbered), (SELECT COALESCE(SUM(amount), 0) FROM numbered),
       ARRAY(SELECT id FROM payouts WHERE method <> 'mass_payment' ORDER BY id)
"""

_LOCK_SQL = """
SELECT id FROM rewards_ledgeraccount
WHERE tenant_id = %(tenant)s AND kind = 'panelist' AND id BETWEEN %(first)s AND %(last)s AND balance >= %(threshold)s
ORDER BY id FOR NO KEY UPDATE
"""


def payout_chunk_process(*, chunk_id: int) -> bool:
    """Pay one chunk. Returns False when it is done already or another worker holds it."""
    # across tenants: a worker loads the row its message names
    if not PayoutChunk.objects.unscoped().filter(pk=chunk_id, status=PayoutChunk.Status.PENDING).exists():
        return False  # a redelivered task of a paid chunk: one cheap read, no transaction
    with transaction.atomic():
        chunk = (
            # of=self: lock the chunk only, never the joined tenant and run rows (credits' foreign-key
            # checks take a share lock on the tenant row at commit).
            PayoutChunk.objects.unscoped()  # across tenants: a worker loads the row its message names
            .select_for_update(skip_locked=True, of=("self",))
            .filter(pk=chunk_id, status=PayoutChunk.Status.PENDING)
            .select_related("run", "tenant")
            .first()
        )
        if chunk is None:
            return False
        run, tenant = chunk.run, chunk.tenant
        rules = reward_settings_get(tenant=tenant)
        chosen = {"tenant": tenant.pk, "first": chunk.first_account_id, "last": chunk.last_account_id,
                  "threshold": run.threshold}  # fmt: skip
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off")
            cursor.execute(_LOCK_SQL, chosen)
            try:
                cursor.execute(
                    _PAY_SQL,
                    chosen | {"run": run.pk, "clearing": clearing_account_ensure(tenant=tenant).pk,
                              "currency": tenant.currency, "reference": f"FP-{run.period:%Y%m}-",
                              "charity": rules.charity_enabled, "gift_card": rules.gift_cards_enabled,
                              "mass_payment": rules.mass_payment_enabled, "card": rules.gift_card_value},
                )  # fmt: skip
            except IntegrityError as error:  # a payout key posted before: nothing of the chunk stands
                raise Conflict(f"Chunk {chunk.number} of run {run.pk} was paid before: {error}",
                               code="already_posted") from error  # fmt: skip
            count, total, handed = cursor.fetchone()
        _hand_to_providers(tenant, list(Payout.objects.for_tenant(tenant).filter(pk__in=handed)), run)
        now = timezone.now()
        PayoutChunk.objects.filter(tenant=tenant, pk=chunk.pk).update(status=PayoutChunk.Status.DONE, done_at=now)
        with connection.cursor() as cursor:
            # Check the deferred constraints now, so the run's row below is held for a moment only.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(
                "UPDATE rewards_payoutrun SET payout_count = payout_count + %s, total_amount = total_amount + %s,"
                " last_progress_at = %s WHERE id = %s",
                [count, total, now, run.pk],
            )
    payout_run_finish_if_done(run_id=run.pk)
    return True


def _hand_to_providers(tenant: Tenant, payouts: list[Payout], run: PayoutRun) -> None:
    charity = [p for p in payouts if p.method == PayoutMethod.CHARITY]
    payouts_settle(tenant=tenant, payouts=charity)
    gift = [p for p in payouts if p.method == PayoutMethod.GIFT_CARD]
    if gift and giftcards_assign(tenant=tenant, payouts=gift).waiting:
        _stock_alert_once(run)


def _stock_alert_once(run: PayoutRun) -> None:
    """Tell the operator, once per run, that gift-card payouts are waiting for codes."""
    claimed = PayoutRun.objects.filter(tenant_id=run.tenant_id, pk=run.pk, stock_alert_sent_at__isnull=True).update(
        stock_alert_sent_at=timezone.now()
    )
    if claimed:
        payout_stock_alert_task.delay_on_commit(run.pk)


def payout_stock_alert(*, run_id: int) -> int:
    """Email the tenant's owners and managers that the run's gift-card payouts wait for codes;
    returns how many people were told (none when nothing waits any more)."""
    # across tenants: a worker loads the row its message names
    run = PayoutRun.objects.unscoped().select_related("tenant").get(pk=run_id)
    waiting = Payout.objects.filter(run=run, status=Payout.Status.WAITING_STOCK).count()
    recipients = list(
        Membership.objects.filter(tenant=run.tenant, role__in=[Role.OWNER, Role.MANAGER]).values_list(
            "user__email", flat=True
        )
    )
    if not recipients or not waiting:
        return 0
    url = f"{settings.FAIRPANEL_BASE_URL}/t/{run.tenant.slug}/console/payouts/providers/"
    send_mail(
        f"[{run.tenant.name}] Gift-card codes have run out",
        f"The payout run for {run.period:%Y-%m} has {waiting} gift-card payout(s) waiting for codes.\n"
        f"Import more codes and they are paid at once: {url}\n",
        settings.DEFAULT_FROM_EMAIL,
        recipients,
    )
    return len(recipients)


def payout_run_finish_if_done(*, run_id: int) -> bool:
    """Mark the run done once no chunk is pending (run after each chunk commits, and by the sweeper)."""
    return bool(
        PayoutRun.objects.unscoped()  # across tenants: a worker loads the row its message names
        .filter(pk=run_id, status=PayoutRun.Status.PAYING)
        .exclude(chunks__status=PayoutChunk.Status.PENDING)
        .update(status=PayoutRun.Status.DONE, finished_at=timezone.now())
    )


# -- what the console, beat, the workers and the command call ---------------------------------------


def payout_run_start_and_enqueue(*, tenant_id: int, period: date, actor: str = "system") -> int:
    """Start (or resume) the run and hand its pending chunks to the workers; returns the run's id.
    What ``payout_run_start_task`` runs, whether the console or beat asked for the run."""
    start = payout_run_start(tenant=Tenant.objects.get(pk=tenant_id), period=period, actor=actor)
    payout_run_enqueue(run=start.run)
    return start.run.pk


def payout_run_request(*, tenant: Tenant, period: date, actor: str) -> PayoutRun | None:
    """An operator asks for the run of ``period``: the run when it exists already (nothing is started
    again), otherwise None and the run starts on a worker once this transaction commits."""
    if period >= month_start_local(tenant):
        raise DomainError(_("That month has not ended yet."), fields={"period": [_("Choose a month that has ended.")]})
    existing = payout_run_for_period(tenant=tenant, period=period)
    if existing is None:
        payout_run_start_task.delay_on_commit(tenant.pk, period.isoformat(), actor)
    return existing


def payout_runs_due_start(*, now: datetime | None = None) -> list[int]:
    """Start the run of each tenant whose 1st of the month, 03:00 in its own time zone, has come
    (see :func:`rewards.selectors.payout_runs_due_list`); returns those tenants' ids."""
    due = payout_runs_due_list(now=now)
    for tenant, period in due:
        payout_run_start_task.delay_on_commit(tenant.pk, period.isoformat())
    return [tenant.pk for tenant, _period in due]


def payout_run_process(*, run: PayoutRun) -> int:
    """Pay the run's pending chunks one after the other in this process, not by the workers (the
    ``payouts_run --here`` command, the demo data); returns how many chunks this call paid."""
    return sum(payout_chunk_process(chunk_id=chunk_id) for chunk_id in payout_chunk_pending_ids(run=run))


def payout_sweep() -> dict[str, int]:
    """Re-enqueue chunks that stopped moving (a lost message, a killed worker), close finished runs,
    and retry gift-card payouts that wait for codes."""
    stalled_before = timezone.now() - timedelta(seconds=settings.PAYOUT_CHUNK_STALL_SECONDS)
    requeued = finished = 0
    for run in PayoutRun.objects.unscoped().filter(status=PayoutRun.Status.PAYING):  # across tenants: the sweeper
        if payout_run_finish_if_done(run_id=run.pk):
            finished += 1
        else:
            requeued += payout_run_enqueue(run=run, stalled_before=stalled_before)
    return {"requeued": requeued, "finished": finished, "gift_cards_assigned": giftcards_waiting_retry()}
