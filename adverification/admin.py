from django.contrib import admin

from adverification.models import AdProgram, Device


@admin.register(AdProgram)
class AdProgramAdmin(admin.ModelAdmin):
    list_display = ["tenant", "k_anonymity", "max_devices", "updated_at"]


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    list_display = ["tenant", "name", "created_at", "last_seen_at", "revoked_at"]
    readonly_fields = ["token_prefix", "token_hash"]
