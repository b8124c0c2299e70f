"""Text people read, in English or Chinese (简体中文), through the standard library's gettext.

Every sentence a person reads is written in English in the code, whole, with named placeholders,
and passed through `_()` (or `ngettext()` where English needs a plural), so the catalog translates
whole sentences, never fragments glued together:

    _("a {k}-wide window fits at {n} positions").format(k=k, n=n)

The catalogs' sources are `po/zh/*.po` in the repository; `python po/catalog.py compile` builds
`cnncalc/locale/zh/LC_MESSAGES/cnncalc.mo`, which ships inside the package, so a plain
`pip install .` speaks Chinese. English needs no catalog: `_()` returns its argument, and nothing
but this module is imported for it (the calculator's start-up budget).

The language is chosen once, before the CLI builds its commands (help texts are translated when
the options are defined): `cnncalc --lang zh|en`, else `CNNCALC_LANG`, else the locale — the first
of `LC_ALL`, `LC_MESSAGES`, `LANG` that is set decides, as POSIX says, and a value starting with
`zh` means Chinese. English everywhere else.

>>> set_language("en")
>>> _("Working")
'Working'
>>> language_from_environment({"LANG": "zh_CN.UTF-8"})
'zh'
>>> language_from_environment({"LC_ALL": "C", "LANG": "zh_CN.UTF-8"})
'en'
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

LANGUAGES = ("en", "zh")
DOMAIN = "cnncalc"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"

_catalog = None  # a gettext.GNUTranslations while the language is not English
_language = "en"
_saved_env: tuple[str | None] | None = None  # LANGUAGE as it was before Chinese was chosen


def language_from_environment(environ: Mapping[str, str] | None = None) -> str:
    """The language the environment asks for: CNNCALC_LANG, then the locale variables."""
    env = os.environ if environ is None else environ
    chosen = env.get("CNNCALC_LANG", "").strip()
    if chosen:
        return normalise_language(chosen) or "en"
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "").strip()
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


def normalise_language(text: str) -> str | None:
    """`zh`, `zh_CN.UTF-8`, `中文`, `en_US` → 'zh' or 'en'; anything else → None."""
    t = text.strip().lower().replace("-", "_")
    if t.startswith("zh") or t in ("中文", "chinese", "cn"):
        return "zh"
    if t.startswith("en") or t in ("english", "c", "posix"):
        return "en"
    return None


def set_language(language: str) -> None:
    """Speak `language` ('en' or 'zh') from now on; unknown names are a ValueError."""
    global _catalog, _language
    lang = normalise_language(language)
    if lang is None:
        raise ValueError(f"language {language!r} is not one of {', '.join(LANGUAGES)}")
    if lang == "en":
        if _catalog is not None:
            _speak_to_typer(None)
        _catalog, _language = None, "en"
        return
    import gettext

    path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"
    try:
        with open(path, "rb") as f:
            _catalog = gettext.GNUTranslations(f)
    except OSError:
        # a checkout whose catalog was never compiled still works, in English
        _catalog = None
    _language = lang
    _speak_to_typer(lang if _catalog is not None else None)


def _speak_to_typer(lang: str | None) -> None:
    """typer writes its help headings ('Options', 'Commands', '[default: …]') through gettext's
    global domain: point it at our catalog (which carries typer's messages too, po/zh/typer.po)
    for Chinese, back to the default domain for English."""
    import gettext

    global _saved_env
    if lang is None:
        gettext.textdomain("messages")
        if _saved_env is not None:
            before = _saved_env[0]
            if before is None:
                os.environ.pop("LANGUAGE", None)
            else:
                os.environ["LANGUAGE"] = before
            _saved_env = None
        return
    gettext.bindtextdomain(DOMAIN, str(LOCALE_DIR))
    gettext.textdomain(DOMAIN)
    # gettext's global functions choose the language from the environment; LANGUAGE comes first
    if _saved_env is None:
        _saved_env = (os.environ.get("LANGUAGE"),)
    os.environ["LANGUAGE"] = lang


def current_language() -> str:
    return _language


def _(message: str) -> str:
    """`message` in the current language (itself in English, or when it has no translation)."""
    if _catalog is None:
        return message
    return _catalog.gettext(message)


def translated(message: str) -> str:
    """`_()` for a message the catalog finds another way (a command's docstring is its --help,
    collected by `po/catalog.py` from `app.command(...)(func)`); `_()` itself takes literals only."""
    return _(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for `n` (Chinese has one form; English two)."""
    if _catalog is None:
        return singular if n == 1 else plural
    return _catalog.ngettext(singular, plural, n)


def fill(template: str, **values: object) -> str:
    """`template.format(**values)`, except that an error's `{field}` and `{field:NAME}` placeholders
    stay for the error to name (see `cnncalc.arith.errors`): translate the whole sentence first, then
    fill it.

    >>> fill("{field} {value} must be at least {minimum}", value=0, minimum=1)
    '{field} 0 must be at least 1'
    >>> fill("{field} has {n} axes but {field:dims} is {dims!r}", n=2, dims=3)
    '{field} has 2 axes but {field:dims} is 3'
    """
    import string

    out = []
    formatter = string.Formatter()
    for literal, name, spec, conversion in formatter.parse(template):
        out.append(literal)
        if name is None:
            continue
        if name == "field":
            out.append("{field" + (":" + spec if spec else "") + "}")
            continue
        value = formatter.get_field(name, (), values)[0]
        value = formatter.convert_field(value, conversion)
        out.append(formatter.format_field(value, spec or ""))
    return "".join(out)


def N_(message: str) -> str:
    """Mark a message for translation where it is defined, translate it where it is shown."""
    return message
