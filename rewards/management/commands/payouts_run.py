from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.errors import DomainError, NotFound
from rewards.periods import period_parse
from rewards.selectors import payout_run_progress
from rewards.services.payouts import payout_run_enqueue, payout_run_process, payout_run_start
from tenants.selectors import tenant_list_or_one


class Command(BaseCommand):
    help = (
        "Start (or resume) a tenant's payout run for a month that has ended. By default the chunks go to "
        "the Celery 'payouts' queue; --here pays them in this process. Running it again never pays twice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tenant", required=True, help="Slug of the tenant.")
        parser.add_argument("--period", required=True, help="The month to pay for, as YYYY-MM.")
        parser.add_argument("--here", action="store_true", help="Pay the chunks in this process, not by workers.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            [tenant] = tenant_list_or_one(slug=options["tenant"])
            period = period_parse(options["period"])
            start = payout_run_start(tenant=tenant, period=period, actor="command:payouts_run")
        except (NotFound, DomainError) as exc:
            raise CommandError(exc.detail) from None
        run = start.run
        verb = "Started" if start.created else "Resumed"
        self.stdout.write(
            f"{verb} the {period:%Y-%m} run of {tenant.slug}: {run.chunks_total} chunk(s), "
            f"{start.credited} monthly reward(s) credited."
        )
        if options["here"]:
            payout_run_process(run=run)
        else:
            queued = payout_run_enqueue(run=run)
            self.stdout.write(f"{queued} chunk(s) queued for the payout workers.")
        progress = payout_run_progress(run=run)
        self.stdout.write(
            f"Status {run.status}: {progress.chunks_done}/{progress.chunks_total} chunks done, "
            f"{progress.payout_count} payout(s), {progress.amount} {tenant.currency} minor units."
        )
