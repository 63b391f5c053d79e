"""What a block of code enqueued after its commit (``django_capture_on_commit_callbacks``), read as
Celery messages: each task's name and arguments, and a way to run them here as a worker would."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any


def enqueued(callbacks: Sequence[Callable[[], Any]]) -> list[tuple[str, tuple[Any, ...]]]:
    """``(task name, args)`` of every ``task.delay_on_commit(...)`` among the captured callbacks."""
    found = []
    for callback in callbacks:
        task = getattr(getattr(callback, "func", None), "__self__", None)
        if task is not None and hasattr(task, "name"):
            found.append((task.name, tuple(callback.args)))  # type: ignore[attr-defined]
    return found


def assert_ids_only(messages: list[tuple[str, tuple[Any, ...]]]) -> None:
    """Every argument is an id or a language code: no address, name or secret travels through Redis."""
    for name, args in messages:
        for arg in args:
            assert isinstance(arg, int) or (isinstance(arg, str) and len(arg) <= 8 and "@" not in arg), (name, arg)


def run_enqueued(callbacks: Sequence[Callable[[], Any]], name: str) -> list[Any]:
    """Run the enqueued tasks called ``name`` in this process (the task's own body, as a worker runs it)."""
    results = []
    for callback in callbacks:
        task = getattr(getattr(callback, "func", None), "__self__", None)
        if task is not None and getattr(task, "name", None) == name:
            results.append(task(*callback.args, **callback.keywords))  # type: ignore[attr-defined]
    return results


QUEUES = ("default", "ingest", "payouts", "purges", "receipts")


def broker_take(name: str) -> list[tuple[tuple[Any, ...], bytes]]:
    """Take the messages of task ``name`` off the real broker's queues: ``(args, raw message)`` each,
    the raw message as Redis holds it (to check that nothing personal travels in it)."""
    import base64
    import json

    from config.celery import app

    taken = []
    with app.connection_for_write() as conn:
        redis = conn.default_channel.client  # type: ignore[attr-defined]
        for queue in QUEUES:
            for raw in redis.lrange(queue, 0, -1):
                message = json.loads(raw)
                if message["headers"].get("task") != name:
                    continue
                args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
                taken.append((tuple(args), raw))
                redis.lrem(queue, 1, raw)
    return taken
