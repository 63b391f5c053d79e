"""Consent receipts: Kantara Consent Receipt Specification v1.1 fields, signed as a JWS (ES256).

Anyone can check a receipt against the tenant's published key set (``/t/<slug>/consents/jwks.json``).

Pure: the payload, its signature and its check; neither reads nor writes the database. The signing
key and the stored receipt are written by ``consent.services.receipts``.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.urls import reverse
from joserfc import jws
from joserfc.jwk import ECKey

from consent.models import ConsentEvent, Purpose

RECEIPT_VERSION = "KI-CR-v1.1.0"
ALGORITHM = "ES256"
COLLECTION_METHODS = {"web": "web form", "api": "API", "import": "import"}


def key_pair_generate(*, kid: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A new P-256 key as (private JWK, public JWK), both carrying ``kid``."""
    private = ECKey.generate_key("P-256")
    return (
        private.as_dict(private=True) | {"kid": kid},
        private.as_dict(private=False) | {"kid": kid, "alg": ALGORITHM, "use": "sig"},
    )


def receipt_payload(*, event: ConsentEvent, purpose: Purpose, receipt_id: uuid.UUID, base_url: str) -> dict[str, Any]:
    tenant = event.tenant
    policy_path = reverse(
        "consent_document",
        kwargs={"tenant_slug": tenant.slug, "purpose_key": purpose.key, "version": event.document_version},
    )
    return {
        "version": RECEIPT_VERSION,
        "jurisdiction": tenant.country,
        "consentTimestamp": int(event.occurred_at.timestamp()),
        "collectionMethod": COLLECTION_METHODS[event.method],
        "consentReceiptID": str(receipt_id),
        "language": event.document_language,
        "piiPrincipalId": event.subject,
        "piiControllers": [{"piiController": tenant.name, "onBehalf": False, "url": f"{base_url}/t/{tenant.slug}/"}],
        "policyUrl": f"{base_url}{policy_path}?lang={event.document_language}",
        "services": [
            {
                "service": f"{tenant.name} panel",
                "purposes": [
                    {
                        "purpose": purpose.name_in(event.document_language),
                        "purposeCategory": [purpose.key],
                        "consentType": "EXPLICIT" if purpose.legal_basis == "consent" else purpose.legal_basis.upper(),
                        "piiCategory": list(purpose.data_categories),
                        "primaryPurpose": purpose.required,
                        "termination": f"withdrawal, or {purpose.retention_days} days after collection",
                        "thirdPartyDisclosure": False,
                    }
                ],
            }
        ],
        "sensitive": False,
        "spiCat": [],
        # Not in v1.1's required set, but what an auditor needs to tie the receipt to the log.
        "consentEvent": {
            "seq": event.seq,
            "kind": event.kind,
            "documentVersion": event.document_version,
            "documentSha256": event.document_sha256,
            "eventHash": event.hash,
        },
    }


def receipt_sign(*, payload: dict[str, Any], kid: str, private_jwk: dict[str, Any]) -> str:
    """The payload as a compact JWS, signed with the tenant's private key."""
    return jws.serialize_compact(
        {"alg": ALGORITHM, "kid": kid, "typ": "JWT"},
        json.dumps(payload, sort_keys=True, separators=(",", ":")).encode(),
        ECKey.import_key(private_jwk),
    )


def receipt_verify(*, token: str, public_jwk: dict[str, Any]) -> dict[str, Any]:
    """The payload of a genuine receipt; raises ``joserfc.errors.BadSignatureError`` otherwise."""
    result = jws.deserialize_compact(token, ECKey.import_key(public_jwk), algorithms=[ALGORITHM])
    return json.loads(result.payload)
