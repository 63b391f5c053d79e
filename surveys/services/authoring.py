"""Authoring: create a survey, save its SurveyJS JSON (from the console's editor or an import), publish
a version, close. A published version is frozen by the database; saving a live survey's definition
makes a new draft, which the next publish freezes in turn. Every refusal comes before any write."""

from __future__ import annotations

import copy
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import DomainError, validation_fields
from surveys.definition import NAME, choice_value, definition_problems, questions_of
from surveys.errors import DefinitionInvalid, SurveyNotLive
from surveys.logic import JOINS, TARGETS, condition_build, condition_join, expression_check, subjects_of
from surveys.models import QuotaCell, Survey, SurveyVersion
from surveys.texts import text_set, texts_apply
from tenants.models import Tenant

STARTER: dict[str, Any] = {"pages": [{"name": "page1", "elements": []}]}


def _refuse(problems: list[Any]) -> None:
    if problems:
        raise DefinitionInvalid(
            _("The survey definition has %(n)s problem(s).") % {"n": len(problems)},
            fields={"definition": [str(problem) for problem in problems]},
        )


def _title(title: str) -> str:
    title = (title or "").strip()
    if not title:
        raise DomainError(_("A survey needs a title."), fields={"title": [_("Required.")]})
    if len(title) > 200:
        raise DomainError(_("A title has at most 200 characters."), fields={"title": [_("Shorten it.")]})
    return title


@transaction.atomic
def survey_create(
    *, tenant: Tenant, title: str, definition: dict[str, Any] | None = None, created_by: User | None = None
) -> Survey:
    """A draft survey with its first (draft) version; an imported definition is checked first."""
    title = _title(title)
    definition = copy.deepcopy(definition) if definition is not None else copy.deepcopy(STARTER)
    _refuse(definition_problems(definition, languages=list(tenant.languages), logic=False))
    survey = Survey.objects.create(tenant=tenant, title=title, created_by=created_by)
    SurveyVersion.objects.create(tenant=tenant, survey=survey, number=1, definition=definition)
    return survey


def _draft(survey: Survey) -> SurveyVersion:
    """The survey's draft version, made from the latest published one when there is none."""
    draft = SurveyVersion.objects.filter(survey=survey, published_at__isnull=True).first()
    if draft is not None:
        return draft
    latest = SurveyVersion.objects.filter(survey=survey).order_by("-number").first()
    return SurveyVersion.objects.create(
        tenant=survey.tenant,
        survey=survey,
        number=(latest.number + 1) if latest else 1,
        definition=copy.deepcopy(latest.definition) if latest else copy.deepcopy(STARTER),
    )


@transaction.atomic
def survey_definition_save(*, survey: Survey, definition: Any) -> SurveyVersion:
    """Save the draft's definition (an import, or the editor's change). A type or property we do not
    support is refused with the list of what and where; the logic is checked at publish."""
    _refuse(definition_problems(definition, languages=list(survey.tenant.languages), logic=False))
    if survey.status == Survey.Status.CLOSED:
        raise SurveyNotLive(_("This survey is closed; it cannot change."))
    draft = _draft(survey)
    draft.definition = definition
    draft.save(update_fields=["definition"])
    return draft


@transaction.atomic
def survey_publish(*, survey: Survey) -> SurveyVersion:
    """Freeze the draft as the survey's current version and open the survey. New responses answer it;
    those already started keep the version they started."""
    survey = Survey.objects.select_for_update().get(tenant=survey.tenant, pk=survey.pk)
    if survey.status == Survey.Status.CLOSED:
        raise SurveyNotLive(_("This survey is closed; it cannot be published again."))
    draft = SurveyVersion.objects.filter(survey=survey, published_at__isnull=True).first()
    if draft is None:
        raise DomainError(_("There is no draft to publish: every version is published already."), code="no_draft")
    # an external survey's questions live in the other tool: its definition may be empty
    _refuse(
        definition_problems(draft.definition, languages=list(survey.tenant.languages), logic=not survey.is_external)
    )
    names = {str(q.get("name")) for q in questions_of(draft.definition)}
    for cell in QuotaCell.objects.filter(survey=survey):
        missing = [q for q in (cell.question_a, cell.question_b) if q and q not in names]
        if missing:
            _refuse([f"quota '{cell.label}': '{missing[0]}' names no question of this survey"])
    now = timezone.now()
    draft.published_at = now
    draft.save(update_fields=["published_at"])
    survey.status = Survey.Status.LIVE
    survey.published_at = survey.published_at or now
    survey.save(update_fields=["status", "published_at"])
    return draft


@transaction.atomic
def survey_close(*, survey: Survey) -> Survey:
    """Close a survey: nobody may answer it any more; what was answered stays."""
    if survey.status == Survey.Status.CLOSED:
        return survey
    survey.status = Survey.Status.CLOSED
    survey.closed_at = timezone.now()
    survey.save(update_fields=["status", "closed_at"])
    return survey


SETTINGS_FIELDS = ("title", "reward", "screenout_reward", "is_open", "entry_url", "min_seconds", "speeder_percent",
                   "straightline_rows", "retention_months", "reminder_days", "expiry_days")  # fmt: skip


@transaction.atomic
def survey_settings_update(*, survey: Survey, values: dict[str, Any]) -> Survey:
    """Change a survey's settings; each value is checked by the model's own validation first."""
    unknown = sorted(set(values) - set(SETTINGS_FIELDS))
    if unknown:
        raise DomainError(_("Unknown settings: %(names)s.") % {"names": ", ".join(unknown)},
                          fields={name: [_("Unknown.")] for name in unknown})  # fmt: skip
    if "title" in values:
        values["title"] = _title(values["title"])
    entry_url = values.get("entry_url")
    if entry_url and "{rid}" not in entry_url:
        raise DomainError(_("The entry URL needs a {rid} placeholder."), fields={"entry_url": [_("Add {rid}.")]})
    for name, value in values.items():
        setattr(survey, name, value)
    try:
        survey.full_clean(exclude=["tenant", "created_by"])
    except ValidationError as exc:
        raise DomainError(_("Some settings are not valid."), fields=validation_fields(exc)) from None
    survey.save(update_fields=list(values))
    return survey


@transaction.atomic
def quota_add(*, survey: Survey, question_a: str, value_a: str, limit: int, question_b: str = "",
              value_b: str = "") -> QuotaCell:  # fmt: skip
    """A quota cell over one or two questions of the survey's draft (or current) definition."""
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
        raise DomainError(_("A quota's limit is a whole number over zero."), fields={"limit": [_("Use 1 or more.")]})
    names = {str(q.get("name")) for q in questions_of(_draft_or_current(survey).definition)}
    for field, name in (("question_a", question_a), ("question_b", question_b)):
        if name and name not in names:
            raise DomainError(_("'%(name)s' names no question of this survey.") % {"name": name},
                              fields={field: [_("Unknown question.")]})  # fmt: skip
    if not question_a or not str(value_a):
        raise DomainError(_("A quota needs a question and a value."), fields={"question_a": [_("Required.")]})
    if bool(question_b) != bool(str(value_b)):
        raise DomainError(_("The second question needs a value too."), fields={"value_b": [_("Required.")]})
    if QuotaCell.objects.filter(survey=survey, question_a=question_a, value_a=value_a, question_b=question_b,
                                value_b=value_b).exists():  # fmt: skip
        raise DomainError(_("This quota cell exists already."), code="quota_exists")
    return QuotaCell.objects.create(tenant=survey.tenant, survey=survey, question_a=question_a, value_a=str(value_a),
                                    question_b=question_b, value_b=str(value_b), limit=limit)  # fmt: skip


@transaction.atomic
def quota_delete(*, cell: QuotaCell) -> None:
    if cell.completes:
        raise DomainError(_("This cell has completes already; it cannot be removed."), code="quota_in_use")
    cell.delete()


def _draft_or_current(survey: Survey) -> SurveyVersion:
    version = SurveyVersion.objects.filter(survey=survey).order_by("-number").first()
    if version is None:
        raise DomainError(_("This survey has no version."), code="no_version")
    return version


# -- the editor's question actions: each reads the draft, changes it, and saves it like an import ----------

QUESTION_TYPES = ("radiogroup", "dropdown", "checkbox", "boolean", "rating", "text", "comment", "matrix", "ranking",
                  "html")  # fmt: skip


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _find(definition: dict[str, Any], name: str) -> tuple[list[dict[str, Any]], int]:
    for page in definition.get("pages", []):
        for index, question in enumerate(page.get("elements", [])):
            if str(question.get("name")) == name:
                return page["elements"], index
    raise DomainError(_("'%(name)s' names no question of this survey.") % {"name": name}, code="no_question")


def _kept(items: list[Any] | None, text: str) -> list[Any]:
    """The values typed one per line, each keeping what it had (its texts in other languages, its
    condition) when it was there before."""
    before = {str(choice_value(item)): item for item in items or []}
    return [before.get(value, value) for value in _lines(text)]


def _apply(question: dict[str, Any], fields: dict[str, Any], languages: list[str]) -> None:
    """The editor's small form onto a question: its text in the panel's first language (the others are
    kept), required, logic as raw expressions, choices (each keeping its translations)."""
    kind = question.get("type")
    if "title" in fields:
        key = "html" if kind == "html" else "title"
        question[key] = text_set(question.get(key), languages[0], fields["title"].strip(), languages) or str(
            question.get("name")
        )
    if "isRequired" in fields and kind != "html":
        question["isRequired"] = bool(fields["isRequired"])
    for key in ("visibleIf", "enableIf", "requiredIf"):
        if key in fields:
            if (fields[key] or "").strip():
                question[key] = fields[key].strip()
            else:
                question.pop(key, None)
    if "choices" in fields and kind in {"radiogroup", "dropdown", "checkbox", "ranking"}:
        question["choices"] = _kept(question.get("choices"), fields["choices"])
    if kind == "matrix" and ("rows" in fields or "choices" in fields):
        question["rows"] = _kept(question.get("rows"), fields.get("rows", fields.get("choices", "")))
    if "columns" in fields and kind == "matrix":
        question["columns"] = _kept(question.get("columns"), fields["columns"])


def _editable(survey: Survey) -> dict[str, Any]:
    definition = copy.deepcopy(_draft_or_current(survey).definition)
    definition.setdefault("pages", [])
    return definition


@transaction.atomic
def question_add(*, survey: Survey, kind: str, name: str, page: str, fields: dict[str, Any]) -> SurveyVersion:
    """Append a question to a page of the draft (a new page when ``page`` is new)."""
    if kind not in QUESTION_TYPES:
        raise DomainError(_("Choose a question type."), fields={"type": [_("Unknown type.")]})
    definition = _editable(survey)
    question: dict[str, Any] = {"type": kind, "name": name.strip()}
    if kind == "rating":
        question |= {"rateMin": 0, "rateMax": 10}
    if kind == "matrix":
        question |= {"rows": [], "columns": []}
    _apply(question, fields, list(survey.tenant.languages))
    page_name = (page or "").strip() or "page1"
    target = next((p for p in definition["pages"] if p.get("name") == page_name), None)
    if target is None:
        target = {"name": page_name, "elements": []}
        definition["pages"].append(target)
    target.setdefault("elements", []).append(question)
    _name_check(definition, question["name"])
    return survey_definition_save(survey=survey, definition=definition)


def _name_check(definition: dict[str, Any], name: str) -> None:
    if not NAME.match(name):
        raise DomainError(_("A name starts with a letter and has letters, digits, '_' or '-' only."),
                          fields={"name": [_("Use letters, digits, '_' or '-'.")]})  # fmt: skip
    if [str(q.get("name")) for q in questions_of(definition)].count(name) > 1:
        raise DomainError(_("Another question has this name."), fields={"name": [_("Choose another name.")]})


@transaction.atomic
def question_update(*, survey: Survey, name: str, fields: dict[str, Any]) -> SurveyVersion:
    definition = _editable(survey)
    elements, index = _find(definition, name)
    _apply(elements[index], fields, list(survey.tenant.languages))
    return survey_definition_save(survey=survey, definition=definition)


@transaction.atomic
def question_move(*, survey: Survey, name: str, direction: str) -> SurveyVersion:
    """Move a question up or down within its page, or across to the neighbouring page at its edge."""
    if direction not in {"up", "down"}:
        raise DomainError(_("Move a question up or down."), fields={"direction": [_("Use 'up' or 'down'.")]})
    definition = _editable(survey)
    elements, index = _find(definition, name)
    step = -1 if direction == "up" else 1
    if 0 <= index + step < len(elements):
        elements[index], elements[index + step] = elements[index + step], elements[index]
    else:
        pages = definition["pages"]
        position = next(i for i, p in enumerate(pages) if p.get("elements") is elements)
        if 0 <= position + step < len(pages):
            question = elements.pop(index)
            neighbour = pages[position + step].setdefault("elements", [])
            neighbour.insert(len(neighbour) if step < 0 else 0, question)
    return survey_definition_save(survey=survey, definition=definition)


@transaction.atomic
def question_delete(*, survey: Survey, name: str) -> SurveyVersion:
    definition = _editable(survey)
    elements, index = _find(definition, name)
    elements.pop(index)
    definition["pages"] = [p for p in definition["pages"] if p.get("elements")] or copy.deepcopy(STARTER["pages"])
    return survey_definition_save(survey=survey, definition=definition)


@transaction.atomic
def question_texts_update(*, survey: Survey, name: str, texts: dict[str, str]) -> SurveyVersion:
    """A question's texts (title, description, its choices', rows' and columns' labels...) in each of the
    panel's languages, as the form's ``<text>.<language>`` fields (``surveys.texts``)."""
    definition = _editable(survey)
    elements, index = _find(definition, name)
    texts_apply(elements[index], texts, list(survey.tenant.languages))
    return survey_definition_save(survey=survey, definition=definition)


@transaction.atomic
def page_texts_update(*, survey: Survey, page: str, texts: dict[str, str]) -> SurveyVersion:
    """A page's title and description in each of the panel's languages."""
    definition = _editable(survey)
    target = next((p for p in definition["pages"] if p.get("name") == page), None)
    if target is None:
        raise DomainError(_("'%(name)s' names no page of this survey.") % {"name": page}, code="no_page")
    texts_apply(target, texts, list(survey.tenant.languages), page=True)
    return survey_definition_save(survey=survey, definition=definition)


@transaction.atomic
def question_condition_add(*, survey: Survey, name: str, target: str, ref: str, op: str, values: list[str],
                           join: str, language: str) -> SurveyVersion:  # fmt: skip
    """A condition built by the logic form (``surveys.logic``) onto a question's ``visibleIf``,
    ``enableIf`` or ``requiredIf``, with the one already there (and, or) or instead of it."""
    if target not in TARGETS:
        raise DomainError(_("Choose which rule to set."), fields={"target": [_("Unknown rule.")]})
    if join not in JOINS:
        raise DomainError(_("Choose how to join the conditions."), fields={"join": [_("Use and, or, or replace.")]})
    definition = _editable(survey)
    elements, index = _find(definition, name)
    subject = next((s for s in subjects_of(definition, exclude=name, language=language) if s.ref == ref), None)
    if subject is None:
        raise DomainError(_("Choose another question to compare with."), fields={"ref": [_("Unknown question.")]})
    expression = condition_join(str(elements[index].get(target) or ""), condition_build(subject, op, values), join)
    check = expression_check(definition, expression)
    if not check.ok:
        raise DomainError(_("The condition would not work: %(why)s. Fix the one already there, or replace it.")
                          % {"why": check.message}, fields={target: [check.message]})  # fmt: skip
    elements[index][target] = expression
    return survey_definition_save(survey=survey, definition=definition)
