from __future__ import annotations

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from accounts.models import User
from panel.models import Panelist
from tenants.models import Membership, Tenant
from tenants.roles import Role

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(obj: User, create: bool, extracted: bool | None, **kwargs: object) -> None:
        if create:
            obj.save()
            EmailAddress.objects.create(user=obj, email=obj.email, verified=extracted is not False, primary=True)


def activate_totp(user: User) -> str:
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


class TenantFactory(factory.django.DjangoModelFactory[Tenant]):
    class Meta:
        model = Tenant

    slug = factory.Sequence(lambda n: f"tenant-{n}")
    name = factory.Sequence(lambda n: f"Tenant {n}")
    country = "FR"
    currency = "EUR"
    timezone = "Europe/Paris"


class MembershipFactory(factory.django.DjangoModelFactory[Membership]):
    class Meta:
        model = Membership

    tenant = factory.SubFactory(TenantFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.OWNER


class PanelistFactory(factory.django.DjangoModelFactory[Panelist]):
    class Meta:
        model = Panelist

    tenant = factory.SubFactory(TenantFactory)
    user = factory.SubFactory(UserFactory)


def publish(tenant: Tenant, purpose_key: str, change: str = "major", languages: tuple[str, ...] = ("en", "fr")):
    """Publish the next version of a purpose's consent document in the given languages."""
    from consent.models import Purpose
    from consent.services.documents import document_publish

    purpose = Purpose.objects.unscoped().get(tenant=tenant, key=purpose_key)
    texts = {
        lang: (f"{purpose_key} terms ({lang})", f"# {purpose_key}\n\nWe collect **only** what we say. ({lang})")
        for lang in languages
    }
    return document_publish(purpose=purpose, texts=texts, change=change)
