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

_catalog: Catalog | None = None  # the chosen language's catalog while it is not English
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


class Catalog:
    """A compiled gettext catalog (GNU `.mo`), looked up where it lies instead of parsed whole.

    `gettext.GNUTranslations` decodes every entry into a dict when it opens a catalog (about 1 ms
    per thousand messages, paid by every start in Chinese); a command reads a few dozen. A `.mo`
    file keeps its original strings sorted by their bytes (GNU msgfmt and `po/catalog.py` both
    write it so), so a message is found by binary search over them and only what is read is
    decoded. The answers are `GNUTranslations`'s: a message without an entry is itself, a plural
    form is chosen by the header's `Plural-Forms`.

    >>> with open(LOCALE_DIR / "zh" / "LC_MESSAGES" / "cnncalc.mo", "rb") as f:
    ...     zh = Catalog(f.read())
    >>> zh.gettext("Working"), zh.gettext("no such message")
    ('计算过程', 'no such message')
    """

    def __init__(self, data: bytes) -> None:
        order = {b"\xde\x12\x04\x95": "little", b"\x95\x04\x12\xde": "big"}.get(bytes(data[:4]))
        if order is None:
            raise OSError("not a GNU .mo catalog")
        word = [int.from_bytes(data[i : i + 4], order) for i in range(0, 20, 4)]
        self._data = memoryview(data)
        self._count, self._ids, self._strs = word[2], word[3], word[4]
        self._order = order
        self._cache: dict[str, str | None] = {}
        self._charset = "utf-8"  # until the header says otherwise
        self._plural = _germanic_plural
        header = self._lookup("") or ""
        self._cache.clear()
        for line in header.split("\n"):
            name, _sep, value = line.partition(":")
            name = name.strip().lower()
            if name == "content-type" and "charset=" in value:
                self._charset = value.split("charset=")[1].strip() or "utf-8"
            elif name == "plural-forms" and "plural=" in value:
                import gettext

                self._plural = gettext.c2py(value.split("plural=")[1].strip().rstrip(";"))

    def _entry(self, table: int, i: int) -> bytes:
        at = table + 8 * i
        length = int.from_bytes(self._data[at : at + 4], self._order)
        offset = int.from_bytes(self._data[at + 4 : at + 8], self._order)
        return self._data[offset : offset + length].tobytes()

    def _lookup(self, key: str) -> str | None:
        """The translation stored under `key` (a msgid, or `singular\\0plural`), None when absent."""
        if key in self._cache:
            return self._cache[key]
        wanted = key.encode(self._charset)
        lo, hi = 0, self._count
        found = None
        while lo < hi:
            mid = (lo + hi) // 2
            here = self._entry(self._ids, mid)
            if here < wanted:
                lo = mid + 1
            elif here > wanted:
                hi = mid
            else:
                found = self._entry(self._strs, mid).decode(self._charset)
                break
        self._cache[key] = found
        return found

    def gettext(self, message: str) -> str:
        found = self._lookup(message)
        return message if found is None else found

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        found = self._lookup(f"{singular}\0{plural}")
        if found is None:
            return singular if n == 1 else plural
        forms = found.split("\0")
        index = self._plural(n)
        return forms[index] if index < len(forms) else (singular if n == 1 else plural)


def _germanic_plural(n: int) -> int:
    return 0 if n == 1 else 1


def set_language(language: str) -> None:
    """Speak `language` ('en' or 'zh') from now on; unknown names are a ValueError. Choosing the
    language already spoken reads nothing again (the CLI chooses it before building its commands
    and its root command confirms it)."""
    global _catalog, _language
    lang = normalise_language(language)
    if lang is None:
        raise ValueError(f"language {language!r} is not one of {', '.join(LANGUAGES)}")
    if lang == "en":
        if _catalog is not None:
            _speak_to_typer(None)
        _catalog, _language = None, "en"
        return
    if lang == _language and _catalog is not None:
        return
    path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"
    try:
        with open(path, "rb") as f:
            _catalog = Catalog(f.read())
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
