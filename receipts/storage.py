"""Short-lived signed links to receipt images. Nothing is served publicly: on S3 the storage signs the
URL itself (``querystring_auth``); on local files the link names the image in a token signed with the
server's secret and dated, which ``receipt_image`` checks before it streams the file."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.http import Http404
from django.urls import reverse

from receipts.models import ReceiptImage
from tenants.models import Tenant

SALT = "receipts.image"


def image_url(*, image: ReceiptImage, tenant_slug: str) -> str:
    storage = image.file.storage
    if getattr(storage, "querystring_auth", False):  # S3: a presigned URL, expiring on its own
        return str(storage.url(str(image.file.name), expire=settings.RECEIPTS_URL_SECONDS))  # type: ignore[call-arg]
    token = signing.dumps([image.tenant_id, image.pk], salt=SALT, compress=True)
    return reverse("receipt_image", kwargs={"tenant_slug": tenant_slug, "token": token})


def image_for_token(*, tenant: Tenant, token: str) -> ReceiptImage:
    """The image a link names, while the link is fresh; anything else is a 404."""
    try:
        tenant_id, pk = signing.loads(token, salt=SALT, max_age=settings.RECEIPTS_URL_SECONDS)
    except (signing.BadSignature, ValueError, TypeError):
        raise Http404("This link has expired or is not valid.") from None
    image = ReceiptImage.objects.for_tenant(tenant).filter(pk=pk).first() if tenant_id == tenant.pk else None
    if image is None:
        raise Http404("This link has expired or is not valid.")
    return image
