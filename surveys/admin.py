from django.contrib import admin

from surveys.models import Survey
from tenants.admin import AllTenantsAdmin


@admin.register(Survey)
class SurveyAdmin(AllTenantsAdmin):
    list_display = ("title", "tenant", "status", "created_at")
    list_filter = ("tenant", "status")
    search_fields = ("title",)
    readonly_fields = ("secret",)
    raw_id_fields = ("created_by",)
