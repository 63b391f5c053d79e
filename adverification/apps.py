from django.apps import AppConfig


class AdverificationConfig(AppConfig):
    name = "adverification"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from adverification import registrations

        registrations.register_everything()
