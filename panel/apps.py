from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PanelConfig(AppConfig):
    name = "panel"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from consent.subjects import ADDRESS_RESOLVERS, SUBJECT_RESOLVERS
        from panel.selectors import panel_overview
        from panel.subjects import panelist_subject, panelist_subject_address
        from tenants.console import OVERVIEW_SOURCES, ConsoleSection, register_console_section
        from tenants.roles import Perm

        OVERVIEW_SOURCES.register(panel_overview)
        SUBJECT_RESOLVERS.register(panelist_subject)
        ADDRESS_RESOLVERS.register(panelist_subject_address)
        for section in [
            ConsoleSection("panelists", _("Panelists"), Perm.PANELISTS_VIEW, "console_panelists", order=10),
            ConsoleSection("waitlist", _("Waitlist"), Perm.WAITLIST_MANAGE, "console_waitlist", order=20),
            ConsoleSection("invitations", _("Invitations"), Perm.INVITATIONS_MANAGE, "console_invitations", order=30),
        ]:
            register_console_section(section)
