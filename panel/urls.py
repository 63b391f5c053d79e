"""panel's URLs: the public landing page and waitlist, joining, the panelist's home, the operators'
panelists, waitlist and invitations, and the panelists API."""

from django.urls import URLPattern, URLResolver, path, re_path

from panel import api, console_views, onboarding_views, public_views, views, waitlist_console

pages: list[URLPattern | URLResolver] = [
    path("", public_views.landing, name="tenant_home"),
    path("waitlist/confirm/<str:token>/", public_views.confirm, name="waitlist_confirm"),
    path("waitlist/status/<str:token>/", public_views.status, name="waitlist_status"),
    path("waitlist/leave/<str:token>/", public_views.leave, name="waitlist_leave"),
    path("join/<str:token>/", onboarding_views.join, name="join"),
    path("home/", onboarding_views.panelist_home, name="panelist_home"),
]

console: list[URLPattern | URLResolver] = [
    path("panelists/", views.console_panelists, name="console_panelists"),
    path("invitations/", console_views.console_invitations, name="console_invitations"),
    path("waitlist/", waitlist_console.console_waitlist, name="console_waitlist"),
    path(
        "waitlist/releases/<int:pk>/progress/",
        waitlist_console.console_release_progress,
        name="console_release_progress",
    ),
    re_path(
        r"^invitations/(?P<pk>[0-9]+)/(?P<action>revoke|resend)/$",
        console_views.console_invitation_action,
        name="console_invitation_action",
    ),
]

api_v1: list[URLPattern | URLResolver] = [
    path("panelists/", api.PanelistListApi.as_view(), name="api_panelists"),
    path("panelists/<slug:public_id>/", api.PanelistDetailApi.as_view(), name="api_panelist"),
]
