from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import user_get_or_create_verified
from core.emails import email_clean
from core.errors import Conflict, DomainError, NotFound, validation_fields
from tenants.models import ApiKey, Membership, Tenant
from tenants.roles import API_KEY_ROLES, Role


def _validation_error_to_domain(exc: ValidationError) -> DomainError:
    fields = validation_fields(exc)
    detail = "; ".join(f"{name}: {' '.join(messages)}" for name, messages in fields.items())
    return DomainError(detail, code="invalid", fields=fields)


@dataclass(frozen=True)
class TenantCreateResult:
    tenant: Tenant
    owner: User
    tenant_created: bool
    owner_created: bool


@transaction.atomic
def tenant_create(
    *,
    slug: str,
    name: str,
    owner_email: str,
    country: str = "US",
    currency: str = "USD",
    timezone_name: str = "UTC",
    languages: list[str] | None = None,
    minimum_age: int = 18,
    panel_capacity: int = 10_000,
) -> TenantCreateResult:
    """Create a tenant and make ``owner_email`` its owner. Idempotent: the same arguments again change
    nothing. An existing tenant whose values differ is a conflict, never a silent update: this
    creates tenants, the admin edits them. A different owner email adds that person as an owner.
    """
    wanted = {
        "name": name,
        "country": country.upper(),
        "currency": currency.upper(),
        "timezone": timezone_name,
        "languages": languages or ["en", "fr"],
        "minimum_age": minimum_age,
        "panel_capacity": panel_capacity,
    }
    tenant = Tenant(slug=slug, **wanted)
    existing = Tenant.objects.filter(slug=slug).first()
    tenant_created = False
    if existing is None:
        try:
            tenant.full_clean()
        except ValidationError as exc:
            raise _validation_error_to_domain(exc) from None
        try:
            with transaction.atomic():
                tenant.save()
                tenant_created = True
        except IntegrityError:  # a concurrent run created it a moment ago
            existing = Tenant.objects.get(slug=slug)
    if existing is not None:
        differences = [
            f"{field} is {getattr(existing, field)!r}, not {value!r}"
            for field, value in wanted.items()
            if getattr(existing, field) != value
        ]
        if differences:
            raise Conflict(
                f"Tenant '{slug}' already exists and differs: {'; '.join(differences)}. "
                "This command creates tenants; change an existing one in the admin.",
                code="tenant_exists",
            )
        tenant = existing

    try:
        User(email=owner_email).clean_fields(exclude=["password"])
    except ValidationError as exc:
        raise _validation_error_to_domain(exc) from None
    owner, owner_created = user_get_or_create_verified(email=owner_email)
    membership_set_role(tenant=tenant, user=owner, role=Role.OWNER)
    return TenantCreateResult(tenant, owner, tenant_created, owner_created)


@transaction.atomic
def membership_set_role(*, tenant: Tenant, user: User, role: Role) -> Membership:
    membership, _created = Membership.objects.get_or_create(tenant=tenant, user=user, defaults={"role": role})
    if membership.role != role:
        membership.role = role
        membership.save(update_fields=["role"])
    return membership


def _hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedApiKey:
    api_key: ApiKey
    key: str  # the full secret: shown once, never stored


def api_key_create(*, tenant: Tenant, name: str, role: str, created_by: User | None) -> IssuedApiKey:
    """Issue a key; the person who created it is mailed a notice (by a worker, after the commit), so
    that a key minted by someone else with their account does not go unnoticed."""
    name = name.strip()
    if not name:
        raise DomainError(_("Give the key a name."), code="invalid", fields={"name": [_("This field is required.")]})
    if "\x00" in name or len(name) > 100:
        raise DomainError(
            _("The name is not valid."), code="invalid", fields={"name": [_("Use at most 100 printable characters.")]}
        )
    if role not in [r.value for r in API_KEY_ROLES]:
        raise DomainError(
            _("An API key's role is one of %(roles)s.") % {"roles": ", ".join(str(r.label) for r in API_KEY_ROLES)},
            code="invalid",
            fields={"role": [_("Choose one of the roles.")]},
        )
    for _attempt in range(5):
        prefix = secrets.token_hex(4)
        key = f"fp_{prefix}_{secrets.token_urlsafe(32)}"
        try:
            with transaction.atomic():
                api_key = ApiKey.objects.create(
                    tenant=tenant,
                    name=name,
                    prefix=prefix,
                    key_hash=_hash_key(key),
                    role=role,
                    created_by=created_by,
                )
        except IntegrityError:  # a prefix collision: 1 in 4 billion; draw again
            continue
        if created_by is not None:
            from tenants.tasks import api_key_notice_send_task

            api_key_notice_send_task.delay_on_commit(api_key.pk, translation.get_language() or settings.LANGUAGE_CODE)
        return IssuedApiKey(api_key, key)
    raise DomainError(_("Could not issue a unique key; try again."), code="try_again")


def api_key_notice_send(*, api_key_id: int, language: str) -> bool:
    """Mail the key's creator that it was created (never the key itself); False when there is nobody
    to tell. Run by a worker: safe to run twice (a second copy)."""
    # across tenants: a worker loads the row its message names
    api_key = ApiKey.objects.unscoped().select_related("tenant", "created_by").filter(pk=api_key_id).first()
    if api_key is None or api_key.created_by is None:
        return False
    context = {
        "api_key": api_key,
        "tenant": api_key.tenant,
        "url": f"{settings.FAIRPANEL_BASE_URL}/t/{api_key.tenant.slug}/console/api-keys/",
    }
    with translation.override(language):
        subject = render_to_string("console/email/api_key_created_subject.txt", context).strip()
        body = render_to_string("console/email/api_key_created.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [api_key.created_by.email])
    return True


def api_key_revoke(*, api_key: ApiKey) -> ApiKey:
    """Revoke a key at once; revoking twice (or two requests racing) keeps the first moment."""
    ApiKey.objects.filter(tenant_id=api_key.tenant_id, pk=api_key.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    api_key.refresh_from_db(fields=["revoked_at"])
    return api_key


def api_key_authenticate(*, key: str) -> ApiKey | None:
    """Return the active key matching ``key``, or None. Constant-time on the secret.

    The one lookup that is not tenant-scoped, by design: the key is what names the tenant. That is
    also why ``ApiKey.prefix`` is unique across tenants, the one unique constraint not led by tenant.
    """
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != "fp" or not re.fullmatch(r"[0-9a-f]{8}", parts[1]):
        return None
    prefix = parts[1]
    # across tenants: the key is what names its tenant
    api_key = ApiKey.objects.unscoped().select_related("tenant").filter(prefix=prefix, revoked_at__isnull=True).first()
    if api_key is None or not api_key.tenant.is_active:
        return None
    if not secrets.compare_digest(api_key.key_hash, _hash_key(key)):
        return None
    now = timezone.now()
    # Touch last_used_at at most once a minute to keep authentication read-mostly.
    if api_key.last_used_at is None or (now - api_key.last_used_at).total_seconds() > 60:
        ApiKey.objects.filter(tenant_id=api_key.tenant_id, pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
    return api_key


@transaction.atomic
def staff_add(*, tenant: Tenant, email: str, role: str, added_by: User | None) -> Membership:
    """Give a person a staff role in the tenant, creating their account if they have none.

    The owner who adds them vouches for the address; the person sets their password from the link
    mailed to it (so only whoever reads that mailbox gets in), then sets up their second factor.
    """
    problems: dict[str, list[str]] = {}
    try:
        email = email_clean(email)
    except ValidationError as exc:
        problems["email"] = list(exc.messages)
    if role not in Role.values:
        problems["role"] = [_("Choose one of the roles.")]
    if problems:
        raise DomainError(_("The person was not added; see the fields."), fields=problems)
    if Membership.objects.for_tenant(tenant).filter(user__email__iexact=email).exists():
        message = _("%(email)s is already on the team.") % {"email": email}
        raise Conflict(message, code="already_staff", fields={"email": [message]})
    user, _created = user_get_or_create_verified(email=email)
    membership = Membership.objects.create(tenant=tenant, user=user, role=role)
    from tenants.tasks import staff_welcome_send_task  # the task module imports these services

    staff_welcome_send_task.delay_on_commit(membership.pk, getattr(added_by, "pk", None))
    return membership


@transaction.atomic
def staff_remove(*, tenant: Tenant, membership_id: int) -> None:
    """Take a person's staff role away. A panel always keeps at least one owner."""
    # Lock the tenant's owners (in id order) so that two removals cannot leave it with none.
    owners = list(Membership.objects.for_tenant(tenant).filter(role=Role.OWNER).select_for_update().order_by("pk"))
    membership = Membership.objects.for_tenant(tenant).filter(pk=membership_id).first()
    if membership is None:
        raise NotFound(_("No such member of the team."))
    if membership.role == Role.OWNER and len(owners) == 1:
        raise Conflict(_("A panel needs an owner: add another owner before removing this one."), code="last_owner")
    membership.delete()


def staff_welcome_send(*, membership_id: int, added_by_id: int | None) -> bool:
    """Mail a new staff member what they were given, and the link to set a password when they have none."""
    # across tenants: a worker loads the row its message names
    membership = Membership.objects.unscoped().select_related("tenant", "user").filter(pk=membership_id).first()
    if membership is None:
        return False
    user, tenant = membership.user, membership.tenant
    added_by = User.objects.filter(pk=added_by_id).first() if added_by_id else None
    set_password_url = None
    if not user.has_usable_password():
        path = reverse(
            "account_reset_password_from_key",
            kwargs={"uidb36": user_pk_to_url_str(user), "key": default_token_generator.make_token(user)},
        )
        set_password_url = f"{settings.FAIRPANEL_BASE_URL}{path}"
    context = {
        "tenant": tenant,
        "role": membership.get_role_display(),
        "added_by": added_by.email if added_by else None,
        "set_password_url": set_password_url,
        "console_url": f"{settings.FAIRPANEL_BASE_URL}{reverse('console_home', kwargs={'tenant_slug': tenant.slug})}",
    }
    with translation.override(tenant.languages[0]):
        subject = render_to_string("console/email/staff_welcome_subject.txt", context).strip()
        body = render_to_string("console/email/staff_welcome.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
    return True
