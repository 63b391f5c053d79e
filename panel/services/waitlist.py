"""The waitlist: join with screening answers, confirm by email (double opt-in), see your status, leave.

Anti-abuse: limits per IP and per email in Redis, a honeypot field, and the same answer whether or
not the email is already listed, so that nobody can learn who is. Tokens are derived (HMAC of the
pseudonymous id under the secret key), never stored.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from consent.models import ConsentEvent
from consent.selectors import consent_latest_event, document_current, purpose_get
from consent.services.consent import consent_grant, consent_withdraw
from core.emails import email_clean
from core.errors import Conflict, DomainError, validation_fields
from panel.models import ScreeningQuestion, WaitlistEntry
from panel.selectors import screening_question_list, waitlist_entry_get_by_token
from panel.tokens import waitlist_url
from tenants.models import Tenant

JOINS_PER_IP_PER_HOUR = 10
JOINS_PER_EMAIL_PER_DAY = 3
MAX_CHOICE_LABEL = 200


class RateLimited(DomainError):
    code = "rate_limited"
    status_code = 429


def _hit(key: str, limit: int, seconds: int) -> bool:
    """Count one attempt; True when over the limit."""
    cache.add(key, 0, seconds)
    try:
        return cache.incr(key) > limit
    except ValueError:  # expired between add and incr
        cache.set(key, 1, seconds)
        return False


def screening_answers_clean(*, tenant: Tenant, raw: dict[str, str]) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    problems: dict[str, list[str]] = {}
    for question in ScreeningQuestion.objects.for_tenant(tenant):
        value = (raw.get(question.key) or "").strip()
        if not value:
            problems[question.key] = [_("Please answer this question.")]
        elif question.kind == ScreeningQuestion.Kind.CHOICE:
            if value not in map(str, question.choices):
                labels = [label for _value, label in question.choices_in(get_language())]
                problems[question.key] = [_("Choose one of: %(answers)s.") % {"answers": ", ".join(labels)}]
            else:
                answers[question.key] = value
        else:
            try:
                number = int(value)
            except ValueError:
                problems[question.key] = [_("Enter a whole number.")]
                continue
            if (question.minimum is not None and number < question.minimum) or (
                question.maximum is not None and number > question.maximum
            ):
                problems[question.key] = [
                    _("Enter a number from %(lowest)s to %(highest)s.")
                    % {"lowest": question.minimum, "highest": question.maximum}
                ]
            else:
                answers[question.key] = number
    if problems:
        raise DomainError(_("Some answers are missing or not valid; see the fields."), fields=problems)
    return answers


def _mail(entry: WaitlistEntry, template: str, **context: Any) -> None:
    with translation.override(entry.language):
        body = render_to_string(f"panel/email/{template}.txt", {"entry": entry, "tenant": entry.tenant, **context})
        subject = render_to_string(f"panel/email/{template}_subject.txt", {"tenant": entry.tenant}).strip()
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [entry.email])


def waitlist_join(
    *, tenant: Tenant, email: str, answers: dict[str, str], agreed: bool, language: str, ip: str, honeypot: str
) -> None:
    """Put a person on the waitlist, or do nothing visible: the caller answers the same either way."""
    if honeypot:
        return  # a bot filled the hidden field: say "check your email" and do nothing
    # Everything is checked first, and every problem named at once; only a valid request counts
    # against the limits, so a person who mistypes is never locked out by their own mistakes.
    problems: dict[str, list[str]] = {}
    try:
        email = email_clean(email)
    except ValidationError as exc:
        problems["email"] = list(exc.messages)
    try:
        clean = screening_answers_clean(tenant=tenant, raw=answers)
    except DomainError as exc:
        problems |= exc.fields
    if not agreed:
        problems["agree"] = [_("Agree to keep your details so we can invite you.")]
    if problems:
        raise DomainError(_("Some answers are missing or not valid; see the fields."), fields=problems)
    if document_current(purpose=purpose_get(tenant=tenant, key="waitlist"), language=language) is None:
        raise Conflict(_("This waitlist is not open yet."), code="waitlist_closed")
    if _hit(f"waitlist:ip:{tenant.pk}:{ip}", JOINS_PER_IP_PER_HOUR, 3600):
        raise RateLimited(_("Too many requests from your network. Try again in an hour."))
    email_key = hashlib.sha256(email.encode()).hexdigest()
    if _hit(f"waitlist:email:{tenant.pk}:{email_key}", JOINS_PER_EMAIL_PER_DAY, 86400):
        raise RateLimited(_("Too many requests for this address today. Try again tomorrow."))
    existing = WaitlistEntry.objects.for_tenant(tenant).filter(email=email).first()
    if existing is not None:
        if existing.status == WaitlistEntry.Status.UNCONFIRMED:
            _mail(existing, "waitlist_confirm", url=waitlist_url(existing, "waitlist_confirm", "confirm"))
        else:
            _mail(existing, "waitlist_already", url=waitlist_url(existing, "waitlist_status", "status"))
        return
    try:
        with transaction.atomic():
            entry = WaitlistEntry.objects.create(
                tenant=tenant, email=email, public_id="wl_" + secrets.token_hex(10), nonce=secrets.token_hex(16),
                answers=clean, language=language,
            )  # fmt: skip
    except IntegrityError:
        return  # joined twice at the same moment: the first one stands
    _mail(entry, "waitlist_confirm", url=waitlist_url(entry, "waitlist_confirm", "confirm"))


@transaction.atomic
def waitlist_confirm(*, tenant: Tenant, token: str) -> WaitlistEntry:
    entry = waitlist_entry_get_by_token(tenant=tenant, token=token, purpose="confirm")
    entry = WaitlistEntry.objects.for_tenant(tenant).select_for_update().get(pk=entry.pk)
    if entry.status == WaitlistEntry.Status.UNCONFIRMED:
        entry.status, entry.confirmed_at = WaitlistEntry.Status.WAITING, timezone.now()
        entry.save(update_fields=["status", "confirmed_at"])
        # Double opt-in done: the consent to keep these details enters the consent log.
        consent_grant(tenant=tenant, subject=entry.public_id, purpose_key="waitlist", language=entry.language,
                      method="web", actor="subject")  # fmt: skip
        _mail(entry, "waitlist_welcome", url=waitlist_url(entry, "waitlist_status", "status"))
    return entry


@transaction.atomic
def waitlist_leave(*, tenant: Tenant, token: str) -> None:
    """One click: the entry and its answers go; the consent log records the withdrawal."""
    entry = waitlist_entry_get_by_token(tenant=tenant, token=token, purpose="status")
    latest = consent_latest_event(tenant=tenant, subject=entry.public_id, purpose_key="waitlist")
    if latest is not None and latest.kind != ConsentEvent.Kind.WITHDRAW:
        consent_withdraw(tenant=tenant, subject=entry.public_id, purpose_key="waitlist", method="web", actor="subject")
    entry.delete()


def _choice_labels(
    *, tenant: Tenant, choices: list[str], texts: Mapping[str, Sequence[str]], problems: dict[str, list[str]]
) -> dict[str, dict[str, str]]:
    """``texts`` gives, per language, the answers' labels in the order of ``choices``; the result is
    the stored form, ``{value: {language: label}}``. A language left empty is not labelled (its people
    read the English label, else the value)."""
    by_value: dict[str, dict[str, str]] = {}
    for language, given in texts.items():
        labels = [text.strip() for text in given]
        if not any(labels):
            continue
        field = f"choice_labels.{language}"
        if language not in tenant.languages:
            problems[field] = [_("This panel does not use the language “%(code)s”.") % {"code": language}]
        elif len(labels) != len(choices) or not all(labels):
            problems[field] = [
                _("Give one label for each of the %(n)s answers, in their order, separated by commas.")
                % {"n": len(choices)}
            ]
        elif any(len(label) > MAX_CHOICE_LABEL for label in labels):
            problems[field] = [_("A label has at most %(n)s characters.") % {"n": MAX_CHOICE_LABEL}]
        else:
            for value, label in zip(choices, labels, strict=True):
                by_value.setdefault(value, {})[language] = label
    return by_value


def screening_question_add(
    *, tenant: Tenant, key: str, labels: dict[str, str], kind: str, choices: list[str],
    choice_labels: Mapping[str, Sequence[str]] | None = None, minimum: int | None = None, maximum: int | None = None,
) -> ScreeningQuestion:  # fmt: skip
    """Add a question to the waitlist form. ``choice_labels`` gives, per language, what people read for
    each answer, in the order of ``choices`` (the values stay what is stored and filtered on)."""
    labels = {lang: text.strip() for lang, text in labels.items() if text.strip()}
    choices = [c.strip() for c in choices if c.strip()]
    problems: dict[str, list[str]] = {}
    by_value = _choice_labels(tenant=tenant, choices=choices, texts=choice_labels or {}, problems=problems)
    question = ScreeningQuestion(tenant=tenant, key=key.strip(), labels=labels, kind=kind, choices=choices,
                                 choice_labels=by_value, minimum=minimum, maximum=maximum,
                                 position=len(screening_question_list(tenant=tenant)))  # fmt: skip
    try:
        question.full_clean(exclude=["tenant"])
    except ValidationError as exc:
        problems |= validation_fields(exc)
    if "en" not in labels:
        problems["labels.en"] = [_("Write the question in English at least.")]
    if kind == ScreeningQuestion.Kind.CHOICE and len(choices) < 2:
        problems["choices"] = [_("Give at least two answers to choose from.")]
    if ScreeningQuestion.objects.for_tenant(tenant).filter(key=question.key).exists():
        problems["key"] = [_("A question “%(key)s” exists already.") % {"key": question.key}]
    if problems:
        raise DomainError(_("The question is not valid; see the fields."), fields=problems)
    question.save()
    return question
