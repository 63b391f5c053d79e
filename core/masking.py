"""Personal data shown partly: enough for its owner to recognise, not enough to give it away."""

from __future__ import annotations


def email_masked(address: str) -> str:
    """``p•••@example.org`` for ``pat@example.org``: the first character and the domain."""
    local, at, domain = address.partition("@")
    if not at:
        return "•••"
    return f"{local[:1]}•••@{domain}"
