"""The refusals of surveys, each with a stable code and a 4xx status."""

from __future__ import annotations

from core.errors import Conflict, DomainError


class DefinitionInvalid(DomainError):
    """A definition that is not SurveyJS JSON, uses what we do not support, or has broken logic.
    ``fields["definition"]`` lists each problem with where it is."""

    code = "definition_invalid"


class SurveyNotLive(Conflict):
    code = "survey_not_live"


class PageRefused(Conflict):
    """A page the respondent cannot see (hidden by the logic, not reached yet), or a finished response."""

    code = "page_refused"


class AnswersInvalid(DomainError):
    code = "answers_invalid"


class NotInvited(DomainError):
    code = "not_invited"
    status_code = 403


class ExportExpired(DomainError):
    """An export whose link has expired: its file is deleted (or about to be). Start a new one."""

    code = "export_expired"
    status_code = 410
