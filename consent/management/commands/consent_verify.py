from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from consent.selectors import chain_verify
from consent.services.checkpoints import checkpoint_verify
from core.errors import DomainError
from tenants.commands import TenantsCommand


class Command(TenantsCommand):
    help = (
        "Verify every tenant's consent hash chain (or one), or with --checkpoint that the log still extends "
        "signed checkpoints kept outside the database. Exits non-zero naming the first problem."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--checkpoint",
            action="append",
            type=Path,
            default=[],
            metavar="FILE",
            help="A checkpoint file (from the auditor console, the API or the email); may be given more than once.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["checkpoint"]:
            self._checkpoints(options["checkpoint"])
            return
        tenants = self.tenants(options)
        broken = []
        for tenant in tenants:
            report = chain_verify(tenant=tenant)
            self.stdout.write(report.describe())
            if not report.ok:
                broken.append(report)
        if broken:
            raise CommandError(f"{len(broken)} consent chain(s) broken; first: {broken[0].describe()}")

    def _checkpoints(self, files: list[Path]) -> None:
        failed = []
        for path in files:
            try:
                report = checkpoint_verify(text=path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError) as exc:
                raise CommandError(f"{path}: cannot read it ({exc}).") from None
            except DomainError as exc:
                raise CommandError(f"{path}: {exc.detail}") from None
            self.stdout.write(report.describe())
            if not report.ok:
                failed.append(report)
        if failed:
            raise CommandError(f"{len(failed)} checkpoint(s) not extended; first: {failed[0].describe()}")
