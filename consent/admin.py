"""Platform admins may read consent's records here, never change them.

The consent log, its chain head, its seals, the receipts, the purge log and the retention changes are
evidence: the database refuses
UPDATE and DELETE on the log, and the admin offers no add, change or delete for any of them. Purposes
and documents are read-only too: a published document is immutable, and operators manage purposes in
the console (``/t/<slug>/console/purposes/``), where the services keep their rules. The signing keys
are not shown at all (they hold the private key).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from consent.models import (
    ConsentChain,
    ConsentDocument,
    ConsentEvent,
    ConsentReceipt,
    ConsentSeal,
    PurgeLog,
    Purpose,
    RetentionChange,
)
from tenants.admin import AllTenantsAdmin


class ReadOnlyAdmin(AllTenantsAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Purpose)
class PurposeAdmin(ReadOnlyAdmin):
    list_display = ("key", "tenant", "legal_basis", "retention_days", "required", "builtin")
    list_filter = ("legal_basis", "builtin", "tenant")
    search_fields = ("key",)
    list_select_related = ("tenant",)


@admin.register(ConsentDocument)
class ConsentDocumentAdmin(ReadOnlyAdmin):
    list_display = ("purpose", "version", "language", "change", "tenant", "effective_at", "published_at")
    list_filter = ("change", "language", "tenant")
    search_fields = ("purpose__key", "title")
    list_select_related = ("tenant", "purpose")


@admin.register(ConsentEvent)
class ConsentEventAdmin(ReadOnlyAdmin):
    list_display = ("seq", "tenant", "occurred_at", "subject", "purpose_key", "kind", "document_version", "method")
    list_filter = ("kind", "method", "tenant")
    search_fields = ("subject", "purpose_key")
    list_select_related = ("tenant",)
    show_full_result_count = False  # the log may hold millions of events: no second COUNT(*) per page


@admin.register(ConsentChain)
class ConsentChainAdmin(ReadOnlyAdmin):
    list_display = ("tenant", "last_seq", "sealed_seq")
    list_select_related = ("tenant",)


@admin.register(ConsentReceipt)
class ConsentReceiptAdmin(ReadOnlyAdmin):
    list_display = ("receipt_id", "tenant", "subject", "created_at")
    list_filter = ("tenant",)
    search_fields = ("subject", "receipt_id")
    list_select_related = ("tenant",)


@admin.register(PurgeLog)
class PurgeLogAdmin(ReadOnlyAdmin):
    list_display = ("ran_at", "tenant", "category", "cutoff", "purged", "dry_run")
    list_filter = ("dry_run", "category", "tenant")
    list_select_related = ("tenant",)


@admin.register(ConsentSeal)
class ConsentSealAdmin(ReadOnlyAdmin):
    list_display = ("seq", "tenant", "purged_at", "hash")
    list_filter = ("tenant",)
    list_select_related = ("tenant",)
    show_full_result_count = False


@admin.register(RetentionChange)
class RetentionChangeAdmin(ReadOnlyAdmin):
    list_display = ("changed_at", "tenant", "category", "previous_days", "days", "changed_by", "role")
    list_filter = ("category", "tenant")
    list_select_related = ("tenant", "changed_by")
