"""French first; English from a catalog (locales/en.json maps each French text to its English).

Texts are written in French in the templates and views, wrapped in ``_()``; a test checks that
every one of them has an English entry, so the catalog cannot fall behind silently."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from flask import session

LANGUAGES = ("fr", "en")
LOCALES = Path(__file__).parent / "locales"


@cache
def catalog(lang: str) -> dict[str, str]:
    if lang == "fr":
        return {}
    return json.loads((LOCALES / f"{lang}.json").read_text(encoding="utf-8"))


def current_language() -> str:
    lang = session.get("lang")
    return lang if lang in LANGUAGES else "fr"


def gettext(text: str, **values) -> str:
    """The text in the session's language, with ``{name}`` fields filled (values are escaped by
    Jinja when the result is rendered, like any other string)."""
    translated = catalog(current_language()).get(text, text)
    return translated.format(**values) if values else translated
