from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class ConsentConfig(AppConfig):
    name = "consent"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from consent import signals  # noqa: F401  (connects the receivers)

        # Every app's privacy.py registers its categories of personal data with the registry.
        autodiscover_modules("privacy")
