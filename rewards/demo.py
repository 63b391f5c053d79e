"""What ``seed_demo`` adds for rewards: earnings, a reversal, charities, gift cards, and a settled
payout run for an earlier month, so the wallet and the console show real history. Safe to rerun:
every posting has a fixed idempotency key and the run exists once per month."""

from __future__ import annotations

from datetime import timedelta

from panel.models import Panelist
from rewards.models import Charity, GiftCard, PayoutPreference
from rewards.periods import previous_period
from rewards.services.ledger import panelist_credit, transaction_reverse
from rewards.services.payouts import payout_run_process, payout_run_start
from rewards.services.providers import mass_payment_batch_create, mass_payment_mark_paid
from rewards.services.settings import reward_settings_update
from tenants.models import Tenant


def demo_rewards_seed(tenant: Tenant, panelists: list[Panelist]) -> str:
    reward_settings_update(tenant=tenant, values={})  # the demo's operator has confirmed the defaults
    food, _ = Charity.objects.get_or_create(
        tenant=tenant, name="City Food Bank", defaults={"website": "https://food.example"}
    )
    Charity.objects.get_or_create(
        tenant=tenant, name="Doctors Without Borders", defaults={"website": "https://msf.example"}
    )
    for n in range(1, 13):
        GiftCard.objects.get_or_create(
            tenant=tenant, code=f"DEMO-GIFT-{n:04d}", defaults={"value": 1000, "currency": tenant.currency}
        )
    PayoutPreference.objects.get_or_create(tenant=tenant, panelist=panelists[0], defaults={"method": "gift_card"})
    PayoutPreference.objects.get_or_create(
        tenant=tenant, panelist=panelists[1], defaults={"method": "charity", "charity": food}
    )
    earlier = previous_period(tenant) - timedelta(days=1)
    earlier = earlier.replace(day=1)
    for i, panelist in enumerate(panelists):
        for k in range(4 + i):
            panelist_credit(panelist=panelist, amount=50, reason="survey", idempotency_key=f"demo:survey:{i}:{k}",
                            source=f"survey:demo-{k + 1}")  # fmt: skip
        if i % 2 == 0 or i == 1:
            panelist_credit(panelist=panelist, amount=1000, reason="receipts", idempotency_key=f"demo:receipts:{i}",
                            source=f"receipts:{earlier:%Y-%m}")  # fmt: skip
        if i % 3 == 0:
            panelist_credit(panelist=panelist, amount=200, reason="ad_month", idempotency_key=f"demo:ads:{i}",
                            source=f"ad-verification:{earlier:%Y-%m}")  # fmt: skip
    duplicate = panelist_credit(panelist=panelists[2], amount=50, reason="survey", idempotency_key="demo:survey:2:dup",
                                source="survey:demo-1")  # fmt: skip
    transaction_reverse(txn=duplicate, memo="Duplicate response to the same survey")
    run = payout_run_start(tenant=tenant, period=earlier, actor="demo").run
    payout_run_process(run=run)
    batch = mass_payment_batch_create(tenant=tenant, actor="demo")
    if batch is not None:
        mass_payment_mark_paid(batch=batch, actor="demo")
    for i, panelist in enumerate(panelists):  # this month so far
        panelist_credit(panelist=panelist, amount=50 * (1 + i % 3), reason="survey", idempotency_key=f"demo:recent:{i}",
                        source="survey:demo-recent")  # fmt: skip
    run.refresh_from_db()
    return f"Rewards: a settled payout run for {earlier:%Y-%m} ({run.payout_count} payouts), earnings, a reversal."
