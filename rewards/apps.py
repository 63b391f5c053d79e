from django.apps import AppConfig


class RewardsConfig(AppConfig):
    name = "rewards"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from panel.demo import register_demo_seeder
        from panel.offers import register_offer_provider
        from rewards.demo import seed_rewards
        from rewards.offers import program_offers

        register_offer_provider(program_offers)
        register_demo_seeder(seed_rewards)
