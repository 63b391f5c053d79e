from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TenantsConfig(AppConfig):
    name = "tenants"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tenants import signals  # noqa: F401  (connects the receivers)
        from tenants.console import CHECKLIST_SOURCES, ConsoleSection, register_console_section
        from tenants.roles import Perm
        from tenants.selectors import tenants_checklist

        CHECKLIST_SOURCES.register(tenants_checklist)
        for section in [
            ConsoleSection("overview", _("Overview"), Perm.CONSOLE_VIEW, "console_home", order=0),
            ConsoleSection("team", _("Team"), Perm.TEAM_VIEW, "console_team", order=110),
            ConsoleSection("api_keys", _("API keys"), Perm.APIKEYS_MANAGE, "console_api_keys", order=120),
            # Planned: listed, disabled, until the app that builds each one registers it.
            ConsoleSection("surveys", _("Surveys"), Perm.SURVEYS_MANAGE, order=60),
            ConsoleSection("receipts", _("Receipts"), Perm.RECEIPTS_REVIEW, order=70),
            ConsoleSection("reports", _("Reports"), Perm.REPORTS_VIEW, order=100),
        ]:
            register_console_section(section)
