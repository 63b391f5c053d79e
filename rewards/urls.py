"""rewards' URLs: the panelist's wallet, the operators' payouts and rewards pages, the wallet and
payout-run APIs."""

from django.urls import URLPattern, URLResolver, path

from rewards import api
from rewards.views import console as console_views
from rewards.views import wallet as wallet_views

pages: list[URLPattern | URLResolver] = [
    path("wallet/", wallet_views.wallet, name="wallet"),
    path("wallet/history.csv", wallet_views.wallet_export, name="wallet_export"),
    path("wallet/payout-method/", wallet_views.payout_method_set, name="payout_method_set"),
]

console: list[URLPattern | URLResolver] = [
    path("payouts/", console_views.console_payouts, name="console_payouts"),
    path("payouts/runs/<int:pk>/", console_views.console_payout_run, name="console_payout_run"),
    path(
        "payouts/runs/<int:pk>/progress/", console_views.console_payout_run_progress, name="console_payout_run_progress"
    ),
    path("payouts/providers/", console_views.console_payout_providers, name="console_payout_providers"),
    path("payouts/gift-cards/", console_views.console_giftcards_import, name="console_giftcards_import"),
    path("payouts/batches/", console_views.console_mass_payment_batch_create, name="console_mass_payment_batch_create"),
    path("payouts/batches/<int:pk>.csv", console_views.console_mass_payment_csv, name="console_mass_payment_csv"),
    path(
        "payouts/batches/<int:pk>/paid/",
        console_views.console_mass_payment_mark_paid,
        name="console_mass_payment_mark_paid",
    ),
    path(
        "payouts/batches/<int:pk>/result/",
        console_views.console_mass_payment_result_import,
        name="console_mass_payment_result_import",
    ),
    path("payouts/charities/", console_views.console_charity_add, name="console_charity_add"),
    path("payouts/charities/<int:pk>/toggle/", console_views.console_charity_toggle, name="console_charity_toggle"),
    path("rewards/", console_views.console_rewards, name="console_rewards"),
    path("rewards/postings/", console_views.console_ledger_manual_post, name="console_ledger_manual_post"),
    path("rewards/settings/", console_views.console_reward_settings_update, name="console_reward_settings_update"),
]

api_v1: list[URLPattern | URLResolver] = [
    path("me/wallet/", api.WalletApi.as_view(), name="api_my_wallet"),
    path("me/wallet/history/", api.WalletHistoryApi.as_view(), name="api_my_wallet_history"),
    path("me/wallet/payout-method/", api.PayoutMethodApi.as_view(), name="api_my_payout_method"),
    path("payouts/runs/", api.PayoutRunListApi.as_view(), name="api_payout_runs"),
]
