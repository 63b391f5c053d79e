"""Core: the few types every app shares, below all of them.

It owns the domain errors (``core.errors``: a stable ``code``, a human ``detail``, the ``fields`` at
fault; one handler maps them to HTTP) and the ``Registry`` through which a higher app hands things to a
lower one (``core.registry``). It imports no app and has no models.

Imports run one way, and ``make lint`` (import-linter, ``[tool.importlinter]`` in ``pyproject.toml``)
refuses any other direction::

    config  (settings, URLs, the Celery app: on top of everything)
    surveys | receipts | adverification  (independent of each other)
    rewards
    panel
    consent
    tenants
    accounts
    core
"""
