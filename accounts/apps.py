from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts import signals  # noqa: F401  (connects the receivers)
        from accounts.admin_site import secure_admin_site
        from accounts.services import authenticator_secrets_rotate
        from core.crypto import ENCRYPTED_STORES, EncryptedStore

        secure_admin_site()
        ENCRYPTED_STORES.register(EncryptedStore("accounts.authenticators", authenticator_secrets_rotate))
