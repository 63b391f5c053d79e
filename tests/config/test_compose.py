"""docker-compose.yml, read as data: what the deployment promises about where data lives."""

from __future__ import annotations

from pathlib import Path

import yaml

COMPOSE = Path(__file__).resolve().parents[2] / "docker-compose.yml"


def test_compose_redis_writes_no_append_only_file_and_no_snapshot() -> None:
    services = yaml.safe_load(COMPOSE.read_text())["services"]
    command = services["redis"]["command"]

    options = dict(zip(command[1::2], command[2::2], strict=True))
    assert options["--appendonly"] == "no"
    assert options["--save"] == ""  # no RDB snapshots either
    assert "volumes" not in services["redis"]  # nothing of Redis is kept on disk
