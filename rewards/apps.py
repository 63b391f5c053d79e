from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RewardsConfig(AppConfig):
    name = "rewards"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from panel.demo import DEMO_SEEDERS
        from panel.home import HOME_CARDS
        from panel.offers import OFFER_PROVIDERS
        from rewards.demo import demo_rewards_seed
        from rewards.home import wallet_home_card
        from rewards.labels import rewards_source_labels_register
        from rewards.offers import program_offers
        from rewards.selectors import rewards_checklist
        from tenants.console import CHECKLIST_SOURCES, ConsoleSection, register_console_section
        from tenants.roles import Perm

        OFFER_PROVIDERS.register(program_offers)
        rewards_source_labels_register()
        HOME_CARDS.register(wallet_home_card)
        DEMO_SEEDERS.register(demo_rewards_seed)
        CHECKLIST_SOURCES.register(rewards_checklist)
        for section in [
            ConsoleSection("payouts", _("Payouts"), Perm.PAYOUTS_MANAGE, "console_payouts", order=80),
            ConsoleSection("rewards", _("Rewards"), Perm.PAYOUTS_MANAGE, "console_rewards", order=90),
        ]:
            register_console_section(section)
