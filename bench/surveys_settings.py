"""The settings of the survey benchmark's gunicorn: production's (DEBUG off, persistent database
connections, the same middleware), over plain HTTP on 127.0.0.1, with the benchmark's URLs added."""

from config.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.surveys_urls"
SECURE_SSL_REDIRECT = False
