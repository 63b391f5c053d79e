from __future__ import annotations

from django.core.management import call_command

from config.celery import app


@app.task(name="accounts.tasks.purge_expired_sessions")
def purge_expired_sessions() -> None:
    """Delete expired login sessions: they hold personal data and serve no purpose once expired."""
    call_command("clearsessions")
