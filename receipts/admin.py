from django.contrib import admin

from receipts.models import ReceiptProgram


@admin.register(ReceiptProgram)
class ReceiptProgramAdmin(admin.ModelAdmin):
    list_display = ("tenant", "photo_window_days", "pdf_window_days", "merchant_rule", "weekly_limit", "images_max")
