"""panel's URLs: the public landing page and waitlist, joining, the panelist's home, the operators'
panelists, waitlist and invitations, and the panelists API."""

from django.urls import URLPattern, URLResolver, path

from panel import api
from panel.views import console as console_views
from panel.views import onboarding, public

pages: list[URLPattern | URLResolver] = [
    path("", public.landing, name="tenant_home"),
    path("waitlist/confirm/<str:token>/", public.confirm, name="waitlist_confirm"),
    path("waitlist/status/<str:token>/", public.status, name="waitlist_status"),
    path("waitlist/leave/<str:token>/", public.leave, name="waitlist_leave"),
    path("join/", onboarding.join, name="join"),
    path("join/accept/", onboarding.join_accept, name="join_accept"),
    path("home/", onboarding.panelist_home, name="panelist_home"),
]

console: list[URLPattern | URLResolver] = [
    path("panelists/", console_views.console_panelists, name="console_panelists"),
    path("invitations/", console_views.console_invitations, name="console_invitations"),
    path("invitations/import/", console_views.console_invitations_import, name="console_invitations_import"),
    path("invitations/<int:pk>/revoke/", console_views.console_invitation_revoke, name="console_invitation_revoke"),
    path("invitations/<int:pk>/resend/", console_views.console_invitation_resend, name="console_invitation_resend"),
    path("waitlist/", console_views.console_waitlist, name="console_waitlist"),
    path("waitlist/releases/", console_views.console_waitlist_release, name="console_waitlist_release"),
    path(
        "waitlist/releases/<int:pk>/progress/", console_views.console_release_progress, name="console_release_progress"
    ),
    path("waitlist/questions/", console_views.console_screening_question_add, name="console_screening_question_add"),
]

api_v1: list[URLPattern | URLResolver] = [
    path("panelists/", api.PanelistListApi.as_view(), name="api_panelists"),
    path("panelists/<slug:public_id>/", api.PanelistDetailApi.as_view(), name="api_panelist"),
]
