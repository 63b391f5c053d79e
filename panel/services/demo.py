"""The demo tenant that ``seed_demo`` writes, so that a newcomer who runs ``make run`` sees every part
of Fairpanel at once: one staff member per role, panelists with consent histories, most of whom joined
from the waitlist with screening answers (what the survey targeting filters read), a waitlist with
screening answers, invitations in every state, and whatever the apps above panel add through
``panel.demo.DEMO_SEEDERS``. Safe to run again: each step skips what exists.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import timedelta

from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.services import user_get_or_create_verified
from consent.models import ConsentDocument, ConsentEvent, Purpose
from consent.services.consent import consent_change_by_subject, consent_grant, consent_withdraw
from consent.services.documents import document_publish
from consent.services.purposes import purposes_ensure_builtin
from consent.subjects import Subject
from panel.demo import DEMO_SEEDERS
from panel.models import Invitation, Panelist, ScreeningQuestion, WaitlistEntry
from panel.services.invitations import invitation_revoke
from panel.services.panelists import panelist_get_or_create
from panel.services.release import waitlist_release
from panel.services.waitlist import screening_answers_clean
from tenants.models import Tenant
from tenants.roles import Role
from tenants.services import membership_set_role, tenant_create

DEMO_PASSWORD = "fairpanel-demo"  # noqa: S105 - printed for the demo, never used elsewhere
DEMO_DOMAIN = "demo.fairpanel.test"
STAFF = [Role.OWNER, Role.MANAGER, Role.REVIEWER, Role.AUDITOR]
PANELISTS = 8


def _totp_secret(user: User) -> str:
    """The user's TOTP secret, activating TOTP with a new one the first time."""
    authenticator = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if authenticator is None:
        authenticator = TOTP.activate(user, generate_totp_secret()).instance
    return str(get_mfa_adapter().decrypt(authenticator.data["secret"]))


DOCUMENTS = {
    "en": (
        "{name}: what you agree to",
        "## {name}\n\n{description}\n\nYou can withdraw at any time from *My consents*; what you have earned is kept.",
    ),
    "fr": (
        "{name} : ce que vous acceptez",
        "## {name}\n\n{description}\n\nVous pouvez retirer votre consentement à tout moment depuis "
        "*Mes consentements* ; ce que vous avez gagné vous reste acquis.",
    ),
}


def demo_consent_histories_seed(tenant: Tenant, subjects: list[str]) -> None:
    """Version 1 of every purpose's terms, a major version 2 of the survey terms, and histories with
    grants, a withdrawal and a re-consent, recorded as imported. Skipped once the log has events."""
    purposes_ensure_builtin(tenant=tenant)
    for purpose in Purpose.objects.for_tenant(tenant):
        if not ConsentDocument.objects.for_tenant(tenant).filter(purpose=purpose).exists():
            texts = {
                lang: (
                    title.format(name=purpose.name_in(lang)),
                    body.format(name=purpose.name_in(lang), description=purpose.description_in(lang)),
                )
                for lang, (title, body) in DOCUMENTS.items()
            }
            document_publish(purpose=purpose, texts=texts, change="major")
    if ConsentEvent.objects.for_tenant(tenant).exists():
        return

    def grant(subject: str, key: str, language: str = "en") -> None:
        consent_grant(
            tenant=tenant, subject=subject, purpose_key=key, language=language, method="import", actor="seed_demo"
        )

    for index, subject in enumerate(subjects):
        for key in ("membership", "surveys", "receipts", "ad_verification")[: 2 + index % 3]:
            grant(subject, key, "fr" if index % 3 == 2 else "en")
    consent_withdraw(tenant=tenant, subject=subjects[1], purpose_key="surveys", method="import", actor="seed_demo")
    surveys = Purpose.objects.for_tenant(tenant).get(key="surveys")
    if ConsentDocument.objects.for_tenant(tenant).filter(purpose=surveys, version=2).count() == 0:
        texts = {
            "en": (
                "Surveys: what you agree to (2)",
                "## Surveys\n\nYour answers to the short surveys you "
                "choose to take, **and the time you spend on each question** (to spot rushed answers).",
            ),
            "fr": (
                "Enquêtes : ce que vous acceptez (2)",
                "## Enquêtes\n\nVos réponses aux courtes enquêtes "
                "auxquelles vous choisissez de répondre, **et le temps passé sur chaque question**.",
            ),
        }
        document_publish(purpose=surveys, texts=texts, change="major")
    # Most panelists re-consent to the new survey terms on the page, each signing a receipt, so that
    # surveys can reach them; the one who withdrew stays out, and the last one has not come back yet
    # (their surveys wait for the re-consent).
    for index, subject in enumerate(subjects[:-1]):
        if index != 1:
            consent_change_by_subject(
                subject=Subject(tenant=tenant, id=subject, language="fr" if index % 3 == 2 else "en", email=""),
                purpose_key="surveys", action="grant", method="web", base_url=settings.FAIRPANEL_BASE_URL,
            )  # fmt: skip


QUESTIONS = [
    ("gender", {"en": "Gender", "fr": "Genre"}, ["female", "male", "other"]),
    ("household", {"en": "People in your household", "fr": "Personnes dans votre foyer"}, ["1", "2", "3", "4", "5+"]),
    ("shopping", {"en": "Where you shop most", "fr": "Où vous faites le plus vos achats"},
     ["supermarket", "online", "discount", "local shops"]),
]  # fmt: skip
# What people read for each answer (the values above are what is stored and filtered on).
CHOICE_LABELS = {
    "female": {"en": "Female", "fr": "Femme"},
    "male": {"en": "Male", "fr": "Homme"},
    "other": {"en": "Other", "fr": "Autre"},
    "5+": {"en": "5 or more", "fr": "5 ou plus"},
    "supermarket": {"en": "Supermarket", "fr": "Supermarché"},
    "online": {"en": "Online", "fr": "En ligne"},
    "discount": {"en": "Discount stores", "fr": "Enseignes discount"},
    "local shops": {"en": "Local shops", "fr": "Commerces de proximité"},
}
WAITLIST = 300


def demo_waitlist_seed(tenant: Tenant) -> None:
    """Screening questions, a few hundred confirmed waitlist entries, and invitations sent, expired and
    revoked (the accepted ones are the panelists', ``demo_panelists_joined_seed``)."""
    for position, (key, labels, choices) in enumerate(QUESTIONS):
        choice_labels = {value: CHOICE_LABELS[value] for value in choices if value in CHOICE_LABELS}
        ScreeningQuestion.objects.update_or_create(
            tenant=tenant, key=key,
            defaults={"labels": labels, "choices": choices, "choice_labels": choice_labels, "position": position},
        )  # fmt: skip
    ScreeningQuestion.objects.get_or_create(
        tenant=tenant, key="birth_year",
        defaults={"labels": {"en": "Year of birth", "fr": "Année de naissance"}, "kind": "number",
                  "minimum": 1920, "maximum": 2010, "position": len(QUESTIONS)},
    )  # fmt: skip
    if WaitlistEntry.objects.for_tenant(tenant).exists():
        return
    draw = random.Random(2026)  # noqa: S311 - demo data, reproducible
    now = timezone.now()
    for n in range(WAITLIST):
        answers: dict[str, object] = {key: draw.choice(choices) for key, _labels, choices in QUESTIONS}
        answers["birth_year"] = draw.randint(1950, 2005)
        entry = WaitlistEntry.objects.create(
            tenant=tenant, email=f"waiting{n + 1}@{DEMO_DOMAIN}", public_id=f"wl_{secrets.token_hex(10)}",
            nonce=secrets.token_hex(16), answers=answers, language=draw.choice(["en", "en", "fr"]),
            status=WaitlistEntry.Status.WAITING, confirmed_at=now - timedelta(days=WAITLIST - n),
        )  # fmt: skip
        consent_grant(tenant=tenant, subject=entry.public_id, purpose_key="waitlist", language=entry.language,
                      method="import", actor="seed_demo")  # fmt: skip
    release = waitlist_release(tenant=tenant, count=12, method="fcfs", seed=1, created_by=None)
    invited = list(Invitation.objects.for_tenant(tenant).filter(source="waitlist").order_by("id"))
    for invitation in invited[:4]:
        Invitation.objects.for_tenant(tenant).filter(pk=invitation.pk).update(
            expires_at=now - timedelta(days=1), sent_at=now
        )
    for invitation in invited[4:7]:
        invitation_revoke(invitation=invitation)
    assert release.released == 12


# The screening answers the demo panelists gave on the waitlist before they were invited, one set per
# panelist in order, as the waitlist form sends them (text); the panelists after these joined by a direct
# invitation and have none. Spread over the answers and the ages so that every targeting filter of the
# survey console keeps some of them and leaves out others.
PANELIST_ANSWERS = [
    {"gender": "female", "household": "2", "shopping": "supermarket", "birth_year": "1988"},
    {"gender": "male", "household": "1", "shopping": "online", "birth_year": "1996"},
    {"gender": "female", "household": "4", "shopping": "discount", "birth_year": "1979"},
    {"gender": "male", "household": "3", "shopping": "supermarket", "birth_year": "1965"},
    {"gender": "other", "household": "2", "shopping": "local shops", "birth_year": "2001"},
    {"gender": "female", "household": "5+", "shopping": "online", "birth_year": "1958"},
]


def demo_panelists_joined_seed(tenant: Tenant, panelists: list[Panelist]) -> None:
    """How each demo panelist joined: the first ones from the waitlist, the others by a direct invitation.

    A panelist from the waitlist has the entry the waitlist keeps: their answers checked as the waitlist
    form checks them (``screening_answers_clean``), their consent to the waitlist, and the entry marked
    invited with the invitation they accepted, which is how targeting finds a panelist's answers. A
    panelist who already accepted an invitation is skipped, so a second run changes nothing.
    """
    joined = set(
        Invitation.objects.for_tenant(tenant)
        .filter(status=Invitation.Status.ACCEPTED, panelist__in=panelists)
        .values_list("panelist_id", flat=True)
    )
    for index, panelist in enumerate(panelists):
        if panelist.pk in joined:
            continue
        assert panelist.user is not None
        raw = PANELIST_ANSWERS[index] if index < len(PANELIST_ANSWERS) else None
        invitation = Invitation.objects.create(
            tenant=tenant, email=panelist.user.email, nonce=secrets.token_hex(16), status=Invitation.Status.ACCEPTED,
            source=Invitation.Source.DIRECT if raw is None else Invitation.Source.WAITLIST,
            expires_at=panelist.joined_at + timedelta(days=14), sent_at=panelist.joined_at,
            accepted_at=panelist.joined_at, panelist=panelist,
        )  # fmt: skip
        if raw is None:
            continue
        entry = WaitlistEntry.objects.create(
            tenant=tenant, email=invitation.email, public_id=f"wl_{secrets.token_hex(10)}",
            nonce=secrets.token_hex(16), answers=screening_answers_clean(tenant=tenant, raw=raw),
            language="fr" if index % 3 == 2 else "en", status=WaitlistEntry.Status.INVITED,
            confirmed_at=panelist.joined_at - timedelta(days=30 + index), invitation=invitation,
        )  # fmt: skip
        consent_grant(tenant=tenant, subject=entry.public_id, purpose_key="waitlist", language=entry.language,
                      method="import", actor="seed_demo")  # fmt: skip


@dataclass(frozen=True)
class DemoSeeded:
    tenant: Tenant
    staff: list[tuple[str, str, str]]  # role, email, TOTP secret
    extras: list[str]  # one line from each app that added to the demo


def _demo_user(email: str) -> User:
    user, _created = user_get_or_create_verified(email=email)
    if not user.has_usable_password():
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


@transaction.atomic
def demo_seed() -> DemoSeeded:
    tenant = tenant_create(
        slug="demo",
        name="Fairpanel Demo Panel",
        owner_email=f"owner@{DEMO_DOMAIN}",
        country="US",
        currency="USD",
        timezone_name="America/New_York",
        languages=["en", "fr"],
        panel_capacity=5_000,
    ).tenant
    staff = []
    for role in STAFF:
        user = _demo_user(f"{role.value}@{DEMO_DOMAIN}")
        membership_set_role(tenant=tenant, user=user, role=role)
        staff.append((role.value, user.email, _totp_secret(user)))
    panelists = [
        panelist_get_or_create(tenant=tenant, user=_demo_user(f"panelist{number}@{DEMO_DOMAIN}"))[0]
        for number in range(1, PANELISTS + 1)
    ]
    demo_consent_histories_seed(tenant, [p.public_id for p in panelists])
    demo_waitlist_seed(tenant)
    demo_panelists_joined_seed(tenant, panelists)
    return DemoSeeded(tenant, staff, [seeder(tenant, panelists) for seeder in DEMO_SEEDERS])
