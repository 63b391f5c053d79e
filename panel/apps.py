from django.apps import AppConfig


class PanelConfig(AppConfig):
    name = "panel"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from consent.subjects import register_subject_resolver
        from panel.console import panel_overview
        from panel.subjects import panelist_subject
        from tenants.console import register_overview_source

        register_overview_source(panel_overview)
        register_subject_resolver(panelist_subject)
