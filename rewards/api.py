"""The wallet API for panelists (``/api/v1/me/wallet/``) and the payout runs for operators."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.throttle import request_ip
from consent.api import SubjectApiView
from panel.models import Panelist
from panel.selectors import panelist_get_active
from rewards.models import Payout, PayoutRun
from rewards.selectors import (
    RunProgress,
    panelist_balance,
    payout_methods_offered,
    payout_preference_get,
    payout_run_list,
    payout_run_progress,
    pending_amounts,
    wallet_lines,
    wallet_payouts,
)
from rewards.services.wallet import payout_preference_set
from tenants.api_base import TenantApiView
from tenants.roles import Perm


class PanelistApiView(SubjectApiView):
    """A panelist's own API: the session, the panel named by ``X-Tenant``, and its panelist row."""

    panelist: Panelist

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        panelist = panelist_get_active(tenant=self.subject.tenant, user=request.user)
        if panelist is None:
            raise Http404
        self.panelist = panelist


class PendingSerializer(serializers.Serializer):
    label = serializers.CharField()  # type: ignore[assignment]
    amount = serializers.IntegerField()


class PayoutSerializer(serializers.ModelSerializer):
    period = serializers.DateField(source="run.period")
    charity = serializers.CharField(source="charity.name", allow_null=True, default=None)
    gift_card_codes = serializers.SerializerMethodField()

    class Meta:
        model = Payout
        fields = ["reference", "period", "amount", "currency", "method", "status", "charity", "gift_card_codes",
                  "created_at", "settled_at"]  # fmt: skip

    def get_gift_card_codes(self, payout: Payout) -> list[dict[str, Any]]:
        return [{"code": c.code, "expires_on": c.expires_on} for c in payout.gift_cards.all()]


class PreferenceSerializer(serializers.Serializer):
    method = serializers.CharField()
    email = serializers.CharField(required=False, allow_blank=True, default="")
    charity = serializers.IntegerField(required=False, allow_null=True, default=None)


class PreferenceInputSerializer(PreferenceSerializer):
    password = serializers.CharField(
        write_only=True, trim_whitespace=False, help_text="The account's password, to confirm the change."
    )


class WalletSerializer(serializers.Serializer):
    balance = serializers.IntegerField(help_text="Minor units of the currency.")
    currency = serializers.CharField()
    pending = PendingSerializer(many=True)
    payouts = PayoutSerializer(many=True)
    payout_method = PreferenceSerializer(allow_null=True)
    methods_offered = serializers.ListField(child=serializers.CharField())


class WalletApi(PanelistApiView):
    """My balance, what is pending, my recent payouts (with gift-card codes) and how I am paid."""

    @extend_schema(responses=WalletSerializer, summary="My wallet")
    def get(self, request: Request) -> Response:
        p = self.panelist
        preference = payout_preference_get(panelist=p)
        data = {
            "balance": panelist_balance(panelist=p),
            "currency": p.tenant.currency,
            "pending": pending_amounts(panelist=p),
            "payouts": wallet_payouts(panelist=p),
            "payout_method": {"method": preference.method, "email": preference.email, "charity": preference.charity_id}
            if preference
            else None,
            "methods_offered": [m for m, _ in payout_methods_offered(tenant=p.tenant)],
        }
        return Response(WalletSerializer(data).data)


class PayoutMethodApi(PanelistApiView):
    """Choose how I am paid: ``mass_payment`` (optionally to another email), ``gift_card`` or ``charity``.

    The account's ``password`` confirms the change (400 ``password_required`` / ``password_invalid``,
    429 after repeated wrong ones); the account is mailed a notice."""

    @extend_schema(request=PreferenceInputSerializer, responses=PreferenceSerializer, summary="Set my payout method")
    def put(self, request: Request) -> Response:
        data = PreferenceInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        preference = payout_preference_set(
            panelist=self.panelist,
            method=data.validated_data["method"],
            email=data.validated_data["email"],
            charity_id=data.validated_data["charity"],
            password=data.validated_data["password"],
            client_ip=request_ip(request),
        )
        return Response({"method": preference.method, "email": preference.email, "charity": preference.charity_id})


class WalletLineSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    amount = serializers.IntegerField()
    reason = serializers.CharField()
    source = serializers.CharField()  # type: ignore[assignment]
    memo = serializers.CharField()


class WalletHistoryApi(PanelistApiView, ListAPIView):
    """My history, newest first: every credit, reversal and payout with its reason and source."""

    serializer_class = WalletLineSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return list(wallet_lines(panelist=self.panelist))


class PayoutRunSerializer(serializers.ModelSerializer):
    chunks_done = serializers.SerializerMethodField()
    by_status = serializers.SerializerMethodField()

    class Meta:
        model = PayoutRun
        fields = ["id", "period", "status", "threshold", "chunks_total", "chunks_done", "payout_count", "total_amount",
                  "by_status", "started_at", "finished_at"]  # fmt: skip

    def _progress(self, run: PayoutRun) -> RunProgress:
        if getattr(run, "_progress", None) is None:  # once per run, not once per field
            run._progress = payout_run_progress(run=run)  # type: ignore[attr-defined]
        return run._progress  # type: ignore[attr-defined]

    def get_chunks_done(self, run: PayoutRun) -> int:
        return self._progress(run).chunks_done

    def get_by_status(self, run: PayoutRun) -> dict[str, int]:
        return self._progress(run).by_status


class PayoutRunListApi(TenantApiView, ListAPIView):
    """The tenant's payout runs, newest first, with their progress."""

    required_perm = Perm.PAYOUTS_MANAGE
    serializer_class = PayoutRunSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return payout_run_list(tenant=self.tenant)
