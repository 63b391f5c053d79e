from django.contrib import admin

from panel.models import Panelist
from tenants.admin import AllTenantsAdmin


@admin.register(Panelist)
class PanelistAdmin(AllTenantsAdmin):
    list_display = ("public_id", "tenant", "status", "joined_at")
    list_filter = ("tenant", "status")
    search_fields = ("public_id",)
    raw_id_fields = ("user",)
