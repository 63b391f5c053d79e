"""docker-compose.yml, read as data: what the deployment promises about where data lives and which
worker does what."""

from __future__ import annotations

import os
import subprocess
import sys
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


def _worker_queues(services: dict) -> dict[str, set[str]]:
    """The queues each worker service consumes (its ``-Q``)."""
    queues = {}
    for name, service in services.items():
        command = service.get("command") or []
        if command[:4] == ["celery", "-A", "config", "worker"]:
            queues[name] = set(command[command.index("-Q") + 1].split(","))
    return queues


def test_compose_reads_receipts_in_its_own_worker_and_every_queue_has_a_consumer() -> None:
    from config.celery import app

    services = yaml.safe_load(COMPOSE.read_text())["services"]
    queues = _worker_queues(services)
    # the reader's queue, where reading a receipt is routed, is the ocr-worker's alone
    route = app.amqp.router.route({}, "receipts.tasks.receipt_read_task")
    assert route["queue"].name == "receipts"
    assert queues["ocr-worker"] == {"receipts"}
    assert "receipts" not in queues["worker"]
    # every queue the application declares is consumed, once
    declared = {queue.name for queue in app.conf.task_queues}
    assert sorted(q for consumed in queues.values() for q in consumed) == sorted(declared)
    # the ocr-worker's image is the Dockerfile's ``ocr`` target, which adds Debian's tesseract-ocr
    assert services["ocr-worker"]["build"]["target"] == "ocr"
    assert services["worker"]["build"]["target"] == "app"
    dockerfile = (COMPOSE.parent / "Dockerfile").read_text()
    ocr_stage = dockerfile.split("FROM app AS ocr", 1)[1].split("\nFROM ", 1)[0]
    assert "tesseract-ocr" in ocr_stage
    assert "apt-get install" not in dockerfile.split("FROM app AS ocr", 1)[0]  # the app's image stays slim


def test_the_default_worker_loads_no_ocr_library() -> None:
    """What a worker of the other queues imports (every app's tasks) leaves the OCR libraries alone:
    they load only where a receipt is read."""
    from tests.conftest import ROOT

    script = (
        "import sys, django; django.setup()\n"
        "from config.celery import app\n"
        "app.loader.import_default_modules()\n"
        "print(sorted(m for m in ('rapidocr_onnxruntime', 'onnxruntime', 'cv2', 'pytesseract') if m in sys.modules))\n"
    )
    env = os.environ | {"DJANGO_SETTINGS_MODULE": "config.settings.test", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=120, check=True)  # fmt: skip
    assert done.stdout.strip().splitlines()[-1] == "[]"
