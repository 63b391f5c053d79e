"""Privacy categories of receipts: the images (30 days after the decision's appeal window), the fields
read and confirmed (12 months), and the decisions with the monthly tallies (24 months, the record a
person can review under GDPR Art. 22). Purges and erasures delete the files from storage as well as
the rows, and log counts only."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q

from consent.registry import Category, Person, purge_in_batches, register
from panel.models import Panelist
from receipts.models import Receipt, ReceiptAppeal, ReceiptCheck, ReceiptDecision, ReceiptImage, ReceiptTally
from receipts.services.review import APPEAL_DAYS
from tenants.models import Tenant


def _panelists(person: Person) -> Any:
    if person.scope == "tenant" and person.tenant is not None:
        return Panelist.objects.filter(tenant=person.tenant, public_id=person.subject)
    if person.user is None:
        return Panelist.objects.none()
    return Panelist.objects.unscoped().filter(user=person.user)  # across tenants: the account's, in every panel


def _receipts(person: Person) -> Any:
    return Receipt.objects.unscoped().filter(panelist__in=_panelists(person))  # across tenants: the person's


def _images_delete(images: Any) -> int:
    """Delete image rows and their files (the files first: a row without a file is harmless, a file
    without a row would be forgotten)."""
    count = 0
    for image in images.order_by("pk"):
        image.file.storage.delete(image.file.name)
        count += 1
    images.delete()
    return count


def _export(person: Person) -> Any:
    return [
        {
            "id": str(r.public_id),
            "kind": r.kind,
            "status": r.status,
            "submitted_at": r.submitted_at.isoformat(),
            "merchant": r.merchant,
            "purchase_date": r.purchase_date.isoformat() if r.purchase_date else None,
            "total": r.total,
            "currency": r.currency,
            "receipt_number": r.receipt_number,
            "read": {
                "merchant": r.read_merchant,
                "purchase_date": r.read_date.isoformat() if r.read_date else None,
                "total": r.read_total,
                "currency": r.read_currency,
                "receipt_number": r.read_number,
            },
            "checks": [c.code for c in r.checks.all()],
            "decisions": [
                {
                    "outcome": d.outcome,
                    "reason": d.reason,
                    "note": d.note,
                    "at": d.created_at.isoformat(),
                    "by": "a person" if d.actor != "system" else "automatic rules",
                    "on_appeal": d.on_appeal,
                    "approval_withdrawn": d.reversal,
                    "paid_reward": d.money,  # for a withdrawn approval: "kept", "taken_back", or ""
                }
                for d in r.decisions.order_by("created_at", "id")
            ],
            "images": [f"receipts/{r.public_id}-{image.position}.jpg" for image in r.images.order_by("position")],
        }
        for r in _receipts(person).order_by("submitted_at", "id")
    ]


def _image_files(person: Person) -> Any:
    images = ReceiptImage.objects.unscoped().filter(receipt__in=_receipts(person))  # across tenants: the person's
    for image in images.select_related("receipt").order_by("receipt_id", "position"):
        try:
            with image.file.open("rb") as handle:
                data = handle.read()
        except FileNotFoundError:
            continue
        yield f"receipts/{image.receipt.public_id}-{image.position}.jpg", data


def _export_images(person: Person) -> Any:
    # across tenants: the person's; the pictures themselves go in the export's files
    images = ReceiptImage.objects.unscoped().filter(receipt__in=_receipts(person))
    return {"images": images.count(), "files": "files/receipts.images/"}


def _erase_images(person: Person) -> int:
    # across tenants: the person's
    return _images_delete(ReceiptImage.objects.unscoped().filter(receipt__in=_receipts(person)))


def _purge_images(tenant: Tenant, cutoff: datetime, batch_size: int, dry_run: bool) -> int:
    """Images of receipts decided for good: the appeal window closed (or the appeal was decided) before
    ``cutoff``."""
    closed = Q(receipt__decided_at__lt=cutoff - timedelta(days=APPEAL_DAYS), receipt__appeal__isnull=True) | Q(
        receipt__appeal__decided_at__lt=cutoff
    )
    old = ReceiptImage.objects.for_tenant(tenant).filter(
        closed, receipt__status__in=[Receipt.Status.APPROVED, Receipt.Status.REJECTED]
    )
    return purge_in_batches(old, batch_size, dry_run, action=_images_delete)


register(
    Category(
        key="receipts.images",
        name="Pictures of your receipts",
        basis="receipts",
        retention_days=30,
        models=(ReceiptImage,),
        exporter=_export_images,
        eraser=_erase_images,
        purger=_purge_images,
        files=_image_files,
        notes="Re-encoded without metadata, card numbers blacked out; deleted 30 days after the appeal window.",
    )
)

FIELDS = {"merchant": "", "purchase_date": None, "total": None, "receipt_number": "", "read_merchant": "",
          "read_date": None, "read_total": None, "read_number": "", "fingerprint": ""}  # fmt: skip


def _erase_fields(person: Person) -> int:
    receipts = _receipts(person)
    _images_delete(ReceiptImage.objects.unscoped().filter(receipt__in=receipts))  # across tenants: the person's
    return int(receipts.delete()[0])


def _purge_fields(tenant: Tenant, cutoff: datetime, batch_size: int, dry_run: bool) -> int:
    old = (
        Receipt.objects.for_tenant(tenant)
        .filter(submitted_at__lt=cutoff)
        .exclude(merchant="", read_merchant="", total=None, read_total=None)
    )

    def blank(batch: Any) -> int:
        _images_delete(ReceiptImage.objects.for_tenant(tenant).filter(receipt__in=batch))
        ReceiptCheck.objects.for_tenant(tenant).filter(receipt__in=batch).update(detail="")
        return int(batch.update(**FIELDS))

    return purge_in_batches(old, batch_size, dry_run, action=blank)


register(
    Category(
        key="receipts.fields",
        name="What your receipts say",
        basis="receipts",
        retention_days=365,
        models=(Receipt, ReceiptCheck, ReceiptAppeal),
        exporter=_export,
        eraser=_erase_fields,
        purger=_purge_fields,
        notes="The shop, date, total and number read and confirmed, the checks and your appeals.",
    )
)


def _export_decisions(person: Person) -> Any:
    tallies = ReceiptTally.objects.unscoped().filter(panelist__in=_panelists(person))  # across tenants: the person's
    return [{"month": f"{t.month:%Y-%m}", "approved": t.approved, "milestone_paid": bool(t.paid_steps)}
            for t in tallies.order_by("month")]  # fmt: skip


def _erase_decisions(person: Person) -> int:
    # across tenants: the person's
    deleted, _ = ReceiptTally.objects.unscoped().filter(panelist__in=_panelists(person)).delete()
    return int(deleted)


def _purge_decisions(tenant: Tenant, cutoff: datetime, batch_size: int, dry_run: bool) -> int:
    receipts = Receipt.objects.for_tenant(tenant).filter(submitted_at__lt=cutoff)
    tallies = ReceiptTally.objects.for_tenant(tenant).filter(month__lt=cutoff.date())

    def remove(batch: Any) -> int:
        _images_delete(ReceiptImage.objects.for_tenant(tenant).filter(receipt__in=batch))
        return int(batch.delete()[0])

    return purge_in_batches(receipts, batch_size, dry_run, action=remove) + purge_in_batches(
        tallies, batch_size, dry_run
    )


register(
    Category(
        key="receipts.decisions",
        name="Decisions on your receipts",
        basis="receipts",
        retention_days=730,
        models=(ReceiptDecision, ReceiptTally),
        exporter=_export_decisions,
        eraser=_erase_decisions,
        purger=_purge_decisions,
        notes="Who decided each receipt, when and why (with the receipt), and the approved receipts of each month.",
    )
)
