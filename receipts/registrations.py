"""What receipts registers with the apps below it (they never import it): the milestone as a reward
source, what is pending in the wallet, the wallet's label of its ledger source, the panelist's home
card, the console's menu and overview, and the demo data."""

from __future__ import annotations

from receipts.services.milestone import milestone_collect
from rewards.models import LedgerTransaction
from rewards.sources import RewardSource, register_reward_source


def receipts_register() -> None:
    register_reward_source(
        RewardSource("receipts", LedgerTransaction.Reason.RECEIPTS, milestone_collect, purpose="receipts")
    )
