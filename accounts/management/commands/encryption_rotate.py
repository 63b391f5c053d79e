from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from core.crypto import EncryptionKeyMissing, encrypted_stores_rotate


class Command(BaseCommand):
    help = (
        "Re-encrypt every secret stored encrypted (TOTP secrets, recovery-code seeds, receipt signing keys) "
        "under the first key of FIELD_ENCRYPTION_KEYS. Run it after putting a new key first; then the old "
        "keys can be removed."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            counts = encrypted_stores_rotate()
        except EncryptionKeyMissing as exc:
            raise CommandError(str(exc)) from None
        for store, count in counts.items():
            self.stdout.write(f"Re-encrypted {count} value(s) of {store} under the first key.")
