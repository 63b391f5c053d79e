from django.apps import AppConfig


class ReceiptsConfig(AppConfig):
    name = "receipts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from receipts.registrations import receipts_register

        receipts_register()
