"""Languages: how one is chosen, and the catalogs that carry the Chinese."""

from __future__ import annotations

import gettext
import importlib.util
import io
import struct
import sys
from pathlib import Path

import pytest

from cnncalc import i18n

ROOT = Path(__file__).resolve().parent.parent

spec = importlib.util.spec_from_file_location("catalog", ROOT / "po" / "catalog.py")
catalog = importlib.util.module_from_spec(spec)
sys.modules["catalog"] = catalog
spec.loader.exec_module(catalog)


@pytest.mark.parametrize(
    ("environ", "language"),
    [
        ({}, "en"),
        ({"LANG": "zh_CN.UTF-8"}, "zh"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LC_ALL": "C", "LANG": "zh_CN.UTF-8"}, "en"),
        ({"LC_MESSAGES": "zh_TW", "LANG": "en_US"}, "zh"),
        ({"CNNCALC_LANG": "en", "LC_ALL": "zh_CN.UTF-8"}, "en"),
        ({"CNNCALC_LANG": "zh"}, "zh"),
        ({"LC_ALL": "", "LANG": "zh_CN.UTF-8"}, "zh"),
    ],
    ids=[
        "nothing",
        "lang-zh",
        "lang-en",
        "lc-all-first",
        "lc-messages",
        "cnncalc-lang-wins",
        "cnncalc-lang",
        "empty-skipped",
    ],
)
def test_the_environment_chooses_the_language(environ, language):
    assert i18n.language_from_environment(environ) == language


def test_an_unknown_language_is_a_value_error():
    with pytest.raises(ValueError, match="'fr' is not one of en, zh"):
        i18n.set_language("fr")


def test_english_is_the_message_itself():
    i18n.set_language("en")
    assert i18n._("Working") == "Working"
    assert i18n.ngettext("{n} position", "{n} positions", 1) == "{n} position"
    assert i18n.ngettext("{n} position", "{n} positions", 2) == "{n} positions"


def test_po_files_round_trip_and_compile_to_what_gettext_reads(tmp_path, monkeypatch):
    entries = [
        catalog.Entry("Working", msgstr=["计算过程"], refs=["cnncalc/x.py:1"]),
        catalog.Entry('a "quoted"\nline', msgstr=["一行\n两行"]),
        catalog.Entry("{n} position", "{n} positions", ["{n} 个位置"]),
        catalog.Entry("not yet", msgstr=[""]),
        catalog.Entry("unsure", msgstr=["不确定"], fuzzy=True),
    ]
    folder = tmp_path / "zh"
    folder.mkdir()
    catalog.write_po(folder / "x.po", entries, "zh")
    assert catalog.read_po(folder / "x.po") == entries
    monkeypatch.setattr(catalog, "PO_DIR", tmp_path)
    translations = gettext.GNUTranslations(io.BytesIO(catalog.build_mo("zh")))
    assert translations.gettext("Working") == "计算过程"
    assert translations.gettext('a "quoted"\nline') == "一行\n两行"
    assert translations.ngettext("{n} position", "{n} positions", 5) == "{n} 个位置"
    assert translations.gettext("not yet") == "not yet"  # untranslated: English
    assert translations.gettext("unsure") == "unsure"  # fuzzy: not compiled


def test_the_catalog_reader_answers_as_gettext_does_for_every_entry(tmp_path, monkeypatch):
    """`i18n.Catalog` looks messages up in the .mo without parsing it whole; what it answers must
    be what gettext's own parser answers, for the shipped catalog and for plural, missing,
    untranslated and fuzzy entries."""
    entries = [
        catalog.Entry("Working", msgstr=["计算过程"]),
        catalog.Entry("{n} position", "{n} positions", ["{n} 个位置"]),
        catalog.Entry("not yet", msgstr=[""]),
        catalog.Entry("unsure", msgstr=["不确定"], fuzzy=True),
    ]
    (tmp_path / "zh").mkdir()
    catalog.write_po(tmp_path / "zh" / "x.po", entries, "zh")
    monkeypatch.setattr(catalog, "PO_DIR", tmp_path)
    shipped = (i18n.LOCALE_DIR / "zh" / "LC_MESSAGES" / "cnncalc.mo").read_bytes()
    for data in (catalog.build_mo("zh"), shipped):
        ours, theirs = i18n.Catalog(data), gettext.GNUTranslations(io.BytesIO(data))
        keys = [k for k in theirs._catalog if k != ""]
        for key in keys:
            if isinstance(key, tuple):
                singular, _index = key
                plural = next(m for m in _plural_ids(data) if m.startswith(singular + "\0"))
                plural = plural.split("\0")[1]
                for n in (0, 1, 2, 7):
                    assert ours.ngettext(singular, plural, n) == theirs.ngettext(singular, plural, n)
            else:
                assert ours.gettext(key) == theirs.gettext(key)
        for missing in ("not yet", "unsure", "no such message", "Workin", "Working "):
            assert ours.gettext(missing) == theirs.gettext(missing) == missing
        assert ours.ngettext("{n} zebra", "{n} zebras", 1) == "{n} zebra"
        assert ours.ngettext("{n} zebra", "{n} zebras", 2) == "{n} zebras"
    assert len(keys) > 900  # the shipped catalog was checked, not just the small one


def _plural_ids(data: bytes) -> list[str]:
    """Every msgid of a .mo that carries a plural (`singular\\0plural`)."""
    n, ids = struct.unpack_from("<I", data, 8)[0], struct.unpack_from("<I", data, 12)[0]
    out = []
    for i in range(n):
        length, offset = struct.unpack_from("<2I", data, ids + 8 * i)
        msgid = data[offset : offset + length].decode()
        if "\0" in msgid:
            out.append(msgid)
    return out


def test_choosing_the_language_spoken_again_reads_no_catalog(monkeypatch):
    try:
        i18n.set_language("zh")
        monkeypatch.setattr(i18n, "Catalog", None)  # reading a catalog now would fail
        i18n.set_language("zh")
        assert i18n._("Working") == "计算过程"
    finally:
        i18n.set_language("en")


def test_every_message_has_a_chinese_translation_and_the_catalog_is_compiled():
    problems = catalog.check("zh")
    assert not problems, (
        "\n".join(problems[:40]) + f"\n… {len(problems)} in all (python po/catalog.py update)"
    )


def test_chinese_is_spoken_once_chosen():
    try:
        i18n.set_language("zh")
        assert i18n.current_language() == "zh"
        assert i18n._("Working") == "计算过程"
    finally:
        i18n.set_language("en")


def test_lang_zh_speaks_chinese_and_the_numbers_stay(cli):
    try:
        result = cli("--lang", "zh", "shape", "--input", "96", "--kernel", "5")
        assert result.exit_code == 0, result.output
        assert "计算过程" in result.stdout and "92" in result.stdout
    finally:
        i18n.set_language("en")
    assert "Working" in cli("shape", "--input", "96", "--kernel", "5").stdout


def test_an_unknown_lang_is_a_usage_error(cli):
    result = cli("--lang", "fr", "shape", "--input", "96", "--kernel", "5")
    assert result.exit_code == 2
    assert "'fr' is not a language cnncalc speaks: use en or zh" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("shape", "--input", "９６", "--kernel", "５"),
        ("net", "input 1x96x96 ｜ conv 8 k＝5"),
        ("step", "conv", "--input", "0 1 2；3 4 5；6 7 8", "--kernel", "0 1；2 3"),
    ],
    ids=["full-width digits", "full-width bar and equals", "full-width semicolons"],
)
def test_a_chinese_keyboard_s_full_width_input_is_read(cli_json, args):
    data = cli_json(*args)
    assert data["output"] == [92, 92] if args[0] == "shape" else True
    if args[0] == "net":
        assert data["layers"][0]["output_shape"] == [8, 92, 92]
    if args[0] == "step":
        assert data["output"] == [[19, 25], [37, 43]]


def test_a_chinese_table_lines_up_by_display_width_and_keeps_the_numbers(cli):
    from cnncalc.render.width import display_width

    english = cli("shape", "--input", "10", "--kernel", "3", "--stride", "2").stdout
    try:
        chinese = cli("--lang", "zh", "shape", "--input", "10", "--kernel", "3", "--stride", "2").stdout
    finally:
        i18n.set_language("en")
    table = [line for line in chinese.splitlines() if line and line[0] in "┌│├└"]
    assert "卷积核" in table[1] and "步幅" in table[1] and "填充" in table[1]
    assert len({display_width(line) for line in table}) == 1, "\n".join(table)
    digits = [c for c in english if c.isdigit()]
    assert [c for c in chinese if c.isdigit()][: len(digits) // 2] == digits[: len(digits) // 2]
