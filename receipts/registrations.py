"""What receipts registers with the apps below it (they never import it): the milestone as a reward
source, what is pending in the wallet, the wallet's label of its ledger source, the panelist's home
card, the console's menu and overview, and the demo data."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from panel.demo import DEMO_SEEDERS
from panel.home import HOME_CARDS
from receipts.demo import demo_receipts_seed
from receipts.home import receipts_home_card, receipts_pending, receipts_source_label
from receipts.selectors import receipts_overview
from receipts.services.milestone import milestone_collect
from rewards.models import LedgerTransaction
from rewards.sources import PENDING_PROVIDERS, SOURCE_LABELS, RewardSource, SourceLabel, register_reward_source
from tenants.console import OVERVIEW_SOURCES, ConsoleSection, register_console_section
from tenants.roles import Perm


def receipts_register() -> None:
    # The payout run credits what this source yields under ``receipt-milestone:<YYYY-MM>:<panelist id>``:
    # only milestones not paid at the approval (``milestone_collect``), which were ``receipts:<panelist>:...``.
    register_reward_source(
        RewardSource("receipt-milestone", LedgerTransaction.Reason.RECEIPTS, milestone_collect, purpose="receipts")
    )
    PENDING_PROVIDERS.register(receipts_pending)
    SOURCE_LABELS.register(SourceLabel("receipts", receipts_source_label))
    HOME_CARDS.register(receipts_home_card)
    OVERVIEW_SOURCES.register(receipts_overview)
    DEMO_SEEDERS.register(demo_receipts_seed)
    register_console_section(
        ConsoleSection("receipts", _("Receipts"), Perm.RECEIPTS_REVIEW, "console_receipts_review", order=70)
    )
    register_console_section(
        ConsoleSection(
            "receipt_program", _("Receipt program"), Perm.RECEIPTS_MANAGE, "console_receipt_program", order=71
        )
    )
