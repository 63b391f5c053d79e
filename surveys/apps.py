from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "surveys"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from panel.demo import DEMO_SEEDERS
        from panel.home import HOME_CARDS
        from rewards.sources import PENDING_PROVIDERS, SOURCE_LABELS
        from surveys.demo import demo_surveys_seed
        from surveys.home import surveys_home_card
        from surveys.labels import SURVEY_SOURCE_LABEL, held_responses_pending
        from tenants.console import ConsoleSection, register_console_section
        from tenants.roles import Perm

        HOME_CARDS.register(surveys_home_card)
        DEMO_SEEDERS.register(demo_surveys_seed)
        SOURCE_LABELS.register(SURVEY_SOURCE_LABEL)
        PENDING_PROVIDERS.register(held_responses_pending)
        register_console_section(
            ConsoleSection("surveys", _("Surveys"), Perm.SURVEYS_MANAGE, "console_surveys", order=60)
        )
