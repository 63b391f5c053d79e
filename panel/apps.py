from django.apps import AppConfig


class PanelConfig(AppConfig):
    name = "panel"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from panel.console import panel_overview
        from tenants.console import register_overview_source

        register_overview_source(panel_overview)
