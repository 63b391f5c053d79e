from django.contrib import admin

from rewards.models import RewardSettings


@admin.register(RewardSettings)
class RewardSettingsAdmin(admin.ModelAdmin):
    list_display = ("tenant", "survey_reward", "receipts_required", "receipts_reward", "ad_verification_monthly")
