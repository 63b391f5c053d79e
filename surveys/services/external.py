"""External surveys: the survey lives in another tool (LimeSurvey, Qualtrics, an oTree session).

The panelist is sent to the operator's entry URL with ``{rid}`` replaced by the response's random id.
The tool sends them back to our return URL for complete, screen-out or quota full, carrying
``sig = HMAC-SHA256(key = the survey's secret, message = "<rid>:<status>")`` in hex, so a panelist
cannot mark their own survey complete; the same signed status may be posted server to server.
A status is applied once: the first one ends the response, later ones change nothing. A complete goes
through the same completion as a survey answered here: quota cells under row locks (a full cell ends it
as quota full), the quality checks (a speeder against ``min_seconds`` or the median is held for a
reviewer), and the reward of an approved one.
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError, NotFound, PermissionDenied
from surveys.models import PageTiming, Response, Survey
from surveys.services.responding import response_complete, response_finish

STATUSES = {
    "complete": Response.Status.COMPLETED,
    "screenout": Response.Status.SCREENED_OUT,
    "quotafull": Response.Status.QUOTA_FULL,
}


RECIPE = 'sig = hex(HMAC-SHA256(key=secret, message=rid + ":" + status)); status: complete, screenout, quotafull'


def external_signature(*, survey: Survey, rid: str, status: str) -> str:
    return hmac.new(survey.secret.encode(), f"{rid}:{status}".encode(), hashlib.sha256).hexdigest()


def external_entry_url(*, survey: Survey, response: Response) -> str:
    return survey.entry_url.replace("{rid}", response.rid)


def external_recipe(*, survey: Survey) -> dict[str, object]:
    """What the operator pastes into the other tool: the return URLs and the signature recipe."""
    base = settings.FAIRPANEL_BASE_URL
    returns = {
        status: base
        + reverse(
            "survey_external_return", kwargs={"tenant_slug": survey.tenant.slug, "pk": survey.pk, "status": status}
        )
        + "?rid={rid}&sig={sig}"
        for status in STATUSES
    }
    return {
        "entry_url": survey.entry_url,
        "returns": returns,
        "callback": base
        + reverse("survey_external_callback", kwargs={"tenant_slug": survey.tenant.slug, "pk": survey.pk}),
        "secret": survey.secret,
        "recipe": RECIPE,
    }


@transaction.atomic
def external_status_record(*, survey: Survey, rid: str, status: str, sig: str) -> Response:
    """Apply a signed status from the other tool to the response ``rid`` of this survey."""
    if status not in STATUSES:
        raise DomainError(_("Unknown status."), fields={"status": [_("Use complete, screenout or quotafull.")]})
    expected = external_signature(survey=survey, rid=rid or "", status=status)
    if not hmac.compare_digest(expected, (sig or "").lower()):
        raise PermissionDenied(
            _("The signature does not match this survey, response and status."), code="bad_signature"
        )
    response = (
        Response.objects.select_for_update()
        .select_related("survey", "panelist", "version")
        .filter(survey=survey, rid=rid)
        .first()
    )
    if response is None:
        raise NotFound(_("No such response."))
    if response.is_finished:
        return response
    # the time spent in the other tool is the response's one page, for the speeder check
    PageTiming.objects.create(tenant=response.tenant, response=response, page="external",
                              seconds=max((timezone.now() - response.started_at).total_seconds(), 0.0))  # fmt: skip
    if STATUSES[status] == Response.Status.COMPLETED:
        response_complete(response)  # the quota cells and the quality checks, as for a survey answered here
    else:
        response_finish(response, STATUSES[status])
    return response
