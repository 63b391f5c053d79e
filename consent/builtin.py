"""The purposes every tenant has. Operators may add more; these cannot be removed."""

from __future__ import annotations

from typing import Any

from consent.models import LegalBasis

BUILTIN_PURPOSES: list[dict[str, Any]] = [
    {
        "key": "membership",
        "legal_basis": LegalBasis.CONTRACT,
        "required": True,
        "retention_days": 365 * 6,
        "data_categories": ["account", "profile", "ledger"],
        "names": {"en": "Panel membership", "fr": "Adhésion au panel"},
        "descriptions": {
            "en": "Your account, your profile and what you earn, so that you can take part and be paid.",
            "fr": "Votre compte, votre profil et vos gains, pour que vous puissiez participer et être payé.",
        },
    },
    {
        "key": "surveys",
        "legal_basis": LegalBasis.CONSENT,
        "required": False,
        "retention_days": 365 * 2,
        "data_categories": ["survey_answers"],
        "names": {"en": "Surveys", "fr": "Enquêtes"},
        "descriptions": {
            "en": "Your answers to the short surveys you choose to take.",
            "fr": "Vos réponses aux courtes enquêtes auxquelles vous choisissez de répondre.",
        },
    },
    {
        "key": "receipts",
        "legal_basis": LegalBasis.CONSENT,
        "required": False,
        "retention_days": 365,
        "data_categories": ["receipt_images", "purchases"],
        "names": {"en": "Receipts", "fr": "Tickets de caisse"},
        "descriptions": {
            "en": "Photos of the purchase receipts you upload, and the purchases read from them.",
            "fr": "Les photos des tickets de caisse que vous envoyez, et les achats qu’on y lit.",
        },
    },
    {
        "key": "ad_verification",
        "legal_basis": LegalBasis.CONSENT,
        "required": False,
        "retention_days": 90,
        "data_categories": ["ad_events", "devices"],
        "names": {"en": "Ad verification", "fr": "Vérification publicitaire"},
        "descriptions": {
            "en": "Which ads your enrolled device shows you and which you click; nothing else you browse.",
            "fr": "Les publicités que votre appareil inscrit vous montre et celles sur lesquelles vous cliquez ; "
            "rien d’autre de votre navigation.",
        },
    },
    {
        "key": "marketing_email",
        "legal_basis": LegalBasis.CONSENT,
        "required": False,
        "retention_days": 365 * 2,
        "data_categories": ["email"],
        "names": {"en": "News by email", "fr": "Actualités par e-mail"},
        "descriptions": {
            "en": "Occasional emails about the panel and new ways to take part.",
            "fr": "Des e-mails occasionnels sur le panel et les nouvelles façons de participer.",
        },
    },
]

BUILTIN_PURPOSES.append(
    {
        "key": "waitlist",
        "legal_basis": LegalBasis.CONSENT,
        "required": False,
        "retention_days": 365,
        "data_categories": ["email", "screening_answers"],
        "names": {"en": "The waitlist", "fr": "La liste d’attente"},
        "descriptions": {
            "en": "Your email and your answers to the screening questions, kept while you wait for an invitation.",
            "fr": "Votre e-mail et vos réponses aux questions de sélection, "
            "gardés pendant que vous attendez une invitation.",
        },
    }
)
