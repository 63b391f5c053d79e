"""Settings for static analysis only (mypy's Django plugin imports settings but never connects)."""

import os

os.environ.setdefault("DATABASE_URL", "postgres://typecheck@localhost/typecheck")
os.environ.setdefault("REDIS_URL", "redis://localhost:6379/0")

from config.settings.test import *  # noqa: F403
