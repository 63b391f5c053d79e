"""rewards' URLs: the panelist's wallet, the operators' payouts and rewards pages, the wallet and
payout-run APIs."""

from django.urls import URLPattern, URLResolver, path

from rewards import api, views
from rewards import console as console_views

pages: list[URLPattern | URLResolver] = [
    path("wallet/", views.wallet, name="wallet"),
    path("wallet/history.csv", views.wallet_export, name="wallet_export"),
    path("wallet/payout-method/", views.payout_method_set, name="payout_method_set"),
]

console: list[URLPattern | URLResolver] = [
    path("payouts/", console_views.console_payouts, name="console_payouts"),
    path("payouts/runs/<int:pk>/", console_views.console_payout_run, name="console_payout_run"),
    path(
        "payouts/runs/<int:pk>/progress/", console_views.console_payout_run_progress, name="console_payout_run_progress"
    ),
    path("payouts/providers/", console_views.console_payout_providers, name="console_payout_providers"),
    path("payouts/batches/<int:pk>.csv", console_views.console_mass_payment_csv, name="console_mass_payment_csv"),
    path(
        "payouts/batches/<int:pk>/settle/",
        console_views.console_mass_payment_settle,
        name="console_mass_payment_settle",
    ),
    path("rewards/", console_views.console_rewards, name="console_rewards"),
]

api_v1: list[URLPattern | URLResolver] = [
    path("me/wallet/", api.WalletApi.as_view(), name="api_my_wallet"),
    path("me/wallet/history/", api.WalletHistoryApi.as_view(), name="api_my_wallet_history"),
    path("me/wallet/payout-method/", api.PayoutMethodApi.as_view(), name="api_my_payout_method"),
    path("payouts/runs/", api.PayoutRunListApi.as_view(), name="api_payout_runs"),
]
