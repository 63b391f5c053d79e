"""What the Redis the tests use holds: every key's content (Celery messages decoded), and the
append-only and snapshot files the server writes, if it writes any. Tests read these to prove that
no personal data reaches the broker or the cache."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import redis
from django.conf import settings


def redis_client() -> redis.Redis:
    """A client of the broker's database (the cache shares it unless CELERY_BROKER_URL says otherwise)."""
    return redis.Redis.from_url(settings.REDIS_URL)


def _text(value: Any) -> str:
    return value.decode("utf-8", errors="replace") if isinstance(value, bytes) else str(value)


def _decoded(raw: Any) -> list[str]:
    """The value as text, and, for a Celery message (kombu's JSON envelope), its body decoded too."""
    text = _text(raw)
    texts = [text]
    try:
        envelope = json.loads(text)
    except ValueError:
        return texts
    if isinstance(envelope, dict) and "body" in envelope:
        body = envelope["body"]
        if envelope.get("properties", {}).get("body_encoding") == "base64":
            body = base64.b64decode(body).decode("utf-8", errors="replace")
        texts.append(str(body))
    return texts


def _values(client: redis.Redis, key: bytes) -> list[Any]:
    kind = _text(client.type(key))
    values: Any
    if kind == "string":
        values = [client.get(key)]
    elif kind == "list":
        values = client.lrange(key, 0, -1)
    elif kind == "hash":
        values = [item for pair in client.hgetall(key).items() for item in pair]
    elif kind == "set":
        values = client.smembers(key)
    elif kind == "zset":
        values = client.zrange(key, 0, -1)
    elif kind == "stream":
        entries: Any = client.xrange(key)
        values = [item for _id, fields in entries for pair in fields.items() for item in pair]
    else:
        values = []
    return [value for value in values if value is not None]


def redis_texts(client: redis.Redis | None = None) -> dict[str, list[str]]:
    """Every key of the database, with the text of its name and of each of its values."""
    client = client or redis_client()
    return {
        _text(key): [_text(key), *(text for value in _values(client, key) for text in _decoded(value))]
        for key in client.scan_iter(count=1000)
    }


def redis_hits(marker: str, client: redis.Redis | None = None) -> list[str]:
    """The keys whose name or content holds ``marker``."""
    return [key for key, texts in redis_texts(client).items() if any(marker in text for text in texts)]


def celery_messages(queue: str = "default", client: redis.Redis | None = None) -> list[dict[str, Any]]:
    """The Celery messages waiting in ``queue``: each one's headers and decoded body."""
    client = client or redis_client()
    messages = []
    for raw in client.lrange(queue, 0, -1):
        envelope = json.loads(raw)
        body = envelope["body"]
        if envelope.get("properties", {}).get("body_encoding") == "base64":
            body = base64.b64decode(body)
        messages.append({"raw": raw, "headers": envelope.get("headers", {}), "body": json.loads(body)})
    return messages


def redis_persistence_files(client: redis.Redis | None = None) -> list[Path]:
    """The append-only files and the snapshot the server writes, as far as it says (``CONFIG GET``).

    Redis 7 keeps its append-only files in a folder (``appenddirname``); older servers in one file
    (``appendfilename``). A file that does not exist (persistence off) is not listed."""
    client = client or redis_client()
    config = {
        str(k): str(v)
        for name in ("dir", "dbfilename", "appendonly", "appenddirname", "appendfilename")
        for k, v in client.config_get(name).items()
    }
    folder = Path(config["dir"])
    candidates = [folder / config["dbfilename"]]
    if config.get("appenddirname"):
        aof_dir = folder / config["appenddirname"]
        candidates += sorted(aof_dir.iterdir()) if aof_dir.is_dir() else []
    if config.get("appendfilename"):
        candidates.append(folder / config["appendfilename"])
    return sorted({path for path in candidates if path.is_file()})
