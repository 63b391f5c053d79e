"""Consent documents are Markdown written by operators; panelists see sanitised HTML."""

from __future__ import annotations

import difflib

import nh3
from markdown_it import MarkdownIt

# CommonMark with raw HTML disabled; nh3 (ammonia) then allows only a small set of harmless tags.
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
_ALLOWED_TAGS = {
    "p", "br", "strong", "em", "ul", "ol", "li", "h1", "h2", "h3", "h4", "blockquote", "code", "pre",
    "a", "table", "thead", "tbody", "tr", "th", "td", "hr",
}  # fmt: skip


def markdown_to_safe_html(text: str) -> str:
    return nh3.clean(
        _markdown.render(text),
        tags=_ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


def text_diff(old: str, new: str, old_label: str, new_label: str) -> list[tuple[str, str]]:
    """A line diff as (kind, line) pairs, kind one of ' ', '+', '-' (for a template to colour)."""
    lines = difflib.unified_diff(old.splitlines(), new.splitlines(), old_label, new_label, lineterm="", n=3)
    out = []
    for line in lines:
        if line.startswith(("---", "+++", "@@")):
            out.append(("@", line))
        else:
            out.append((line[:1] or " ", line[1:]))
    return out
