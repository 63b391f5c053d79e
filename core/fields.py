"""Model fields shared by the apps."""

from __future__ import annotations

import json
from typing import Any

from django.db import models

from core import crypto


class EncryptedJSONField(models.Field):
    """A JSON value stored as a Fernet token (``core.crypto``): Python sees the value, the column (and
    a dump of it) only ciphertext. Never filtered or indexed on: each write gives a different token."""

    # What django-stubs reads as the field's Python types (a JSON value, not the column's text).
    _pyi_private_set_type: Any
    _pyi_private_get_type: Any

    description = "A JSON value, encrypted at rest"

    def get_internal_type(self) -> str:
        return "TextField"  # the column: text holding the token

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Any:
        if value is None:
            return None
        return json.loads(crypto.decrypt(value))

    def to_python(self, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        return json.loads(crypto.decrypt(value) if crypto.looks_encrypted(value) else value)

    def get_prep_value(self, value: Any) -> str | None:
        if value is None:
            return None
        return crypto.encrypt(json.dumps(value, sort_keys=True))

    def value_to_string(self, obj: models.Model) -> str:
        # Serialised (dumpdata) as ciphertext too: a fixture is a copy of the database.
        return self.get_prep_value(self.value_from_object(obj)) or ""
