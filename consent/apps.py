from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class ConsentConfig(AppConfig):
    name = "consent"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from consent import signals  # noqa: F401  (connects the receivers)
        from consent.selectors import consent_checklist
        from consent.services.receipts import signing_keys_rotate
        from core.crypto import ENCRYPTED_STORES, EncryptedStore
        from tenants.console import CHECKLIST_SOURCES, ConsoleSection, register_console_section
        from tenants.roles import Perm

        # Every app's privacy.py registers its categories of personal data with the registry.
        autodiscover_modules("privacy")
        CHECKLIST_SOURCES.register(consent_checklist)
        ENCRYPTED_STORES.register(EncryptedStore("consent.signing_keys", signing_keys_rotate))
        for section in [
            ConsoleSection("purposes", _("Purposes"), Perm.PURPOSES_MANAGE, "console_purposes", order=40),
            ConsoleSection("consent", _("Consent"), Perm.CONSENT_AUDIT, "console_consent", order=50),
        ]:
            register_console_section(section)
