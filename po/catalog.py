"""The translation catalogs: find every message in the code, keep the .po sources, build the .mo.

    python po/catalog.py update     # add new messages to po/zh/*.po (untranslated), drop gone ones
    python po/catalog.py compile    # po/zh/*.po → cnncalc/locale/zh/LC_MESSAGES/cnncalc.mo
    python po/catalog.py check      # every message translated, the .mo up to date (the tests run this)

A message is the first argument of `_()` / `N_()`, the two of `ngettext()`, or the docstring of a
CLI command registered with `app.command(...)(func)` or `@group.command(...)` (its --help); each
must be a string literal (a sentence whole, with named placeholders), which `check` insists on
too. The sources are split by module (`po/zh/arith.sizes.po`, `po/zh/cli.calc.po`, …) so people can translate different
modules at once; a message that is already in one file stays there.

Standard library only: the .po reader and the .mo writer below follow GNU gettext's formats
(https://www.gnu.org/software/gettext/manual/html_node/PO-Files.html, MO Files).
"""

from __future__ import annotations

import ast
import inspect
import struct
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "cnncalc"
PO_DIR = ROOT / "po"
LANGUAGES = ("zh",)
HEADER = (
    "Project-Id-Version: cnncalc\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/plain; charset=UTF-8\n"
    "Content-Transfer-Encoding: 8bit\n"
    "Language: {lang}\n"
    "Plural-Forms: nplurals=1; plural=0;\n"
)
MARKERS = {"_": 1, "N_": 1, "ngettext": 2}


@dataclass
class Entry:
    msgid: str
    plural: str | None = None
    msgstr: list[str] = field(default_factory=lambda: [""])
    refs: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    fuzzy: bool = False
    obsolete: bool = False

    @property
    def key(self) -> str:
        return self.msgid if self.plural is None else f"{self.msgid}\0{self.plural}"

    @property
    def translated(self) -> bool:
        return not self.fuzzy and all(s for s in self.msgstr)


@dataclass(frozen=True)
class Found:
    msgid: str
    plural: str | None
    where: str  # path:line

    @property
    def key(self) -> str:
        return self.msgid if self.plural is None else f"{self.msgid}\0{self.plural}"


# -- finding messages in the code -----------------------------------------------------------------


def typer_messages() -> list[Found]:
    """typer's own help headings and notes ('Options', 'required', 'default: {default}'), which it
    writes through gettext's global domain (cnncalc.i18n points that at our catalog)."""
    import typer

    found = []
    for path in sorted(Path(typer.__file__).parent.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "_"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
                and "[" not in node.args[0].value  # rich markup: cnncalc's help uses none
            ):
                found.append(Found(node.args[0].value, None, f"typer/{path.name}:{node.lineno}"))
    return found


def extract(package: Path = PACKAGE) -> tuple[list[Found], list[str]]:
    """Every message in the package, in file order, and the calls whose text is not a literal."""
    found: list[Found] = []
    problems: list[str] = []
    for path in sorted(package.rglob("*.py")):
        if path.name == "i18n.py" and path.parent == package:
            continue  # the translation functions themselves
        rel = path.relative_to(ROOT).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=rel)
        docs = {
            n.name: ast.get_docstring(n, clean=False)
            for n in ast.walk(tree)
            if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name in docs and docs[node.name]:
                if any(_is_command_decorator(d) for d in node.decorator_list):
                    found.append(Found(inspect.cleandoc(docs[node.name]), None, f"{rel}:{node.lineno}"))
                    continue
            command = _registered_command(node)
            if command is not None:
                if docs.get(command):
                    found.append(Found(inspect.cleandoc(docs[command]), None, f"{rel}:{node.lineno}"))
                continue
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
                continue
            name = node.func.id
            where = f"{rel}:{node.lineno}"
            if name not in MARKERS:
                continue
            args = node.args[: MARKERS[name]]
            if len(args) < MARKERS[name] or not all(
                isinstance(a, ast.Constant) and isinstance(a.value, str) for a in args
            ):
                problems.append(
                    f"{where}: {name}() needs string literals (a whole sentence, named placeholders)"
                )
                continue
            texts = [a.value for a in args]  # type: ignore[attr-defined]
            found.append(Found(texts[0], texts[1] if name == "ngettext" else None, where))
    return found, problems


def _registered_command(node: ast.AST) -> str | None:
    """`app.command("shape")(shape)` registers `shape`: its docstring is the command's --help."""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Call)
        and isinstance(node.func.func, ast.Attribute)
        and node.func.func.attr == "command"
        and len(node.args) == 1
        and isinstance(node.args[0], ast.Name)
    ):
        return node.args[0].id
    return None


def _is_command_decorator(node: ast.AST) -> bool:
    """`@solve_app.command("padding")` on a function registers it as a command."""
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "command"


def area_of(where: str) -> str:
    """The .po file a new message goes to: the module it was found in, `cli.calc` for
    cnncalc/cli/calc.py (one file a module, so people can translate different modules at once);
    typer's own messages go to typer.po."""
    parts = where.split(":")[0].removesuffix(".py").split("/")
    if parts[0] == "typer":
        return "typer"
    return ".".join(parts[1:]) or "cnncalc"


# -- .po files ------------------------------------------------------------------------------------


def _unquote(text: str) -> str:
    body = text.strip()
    if not (body.startswith('"') and body.endswith('"')):
        raise ValueError(f"not a quoted string: {text!r}")
    return ast.literal_eval(body)


def read_po(path: Path) -> list[Entry]:
    """The entries of one .po file (the header entry left out)."""
    entries: list[Entry] = []
    cur: Entry | None = None
    target: tuple[str, int] | None = None  # ("msgid"|"plural"|"msgstr", index)
    pending_refs: list[str] = []
    pending_comments: list[str] = []
    pending_fuzzy = False
    obsolete = False

    def finish() -> None:
        nonlocal cur
        if cur is not None and cur.msgid != "":
            entries.append(cur)
        cur = None

    for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if line.startswith("#~"):
            obsolete = True
            line = line[2:].strip()
        elif line.startswith("#"):
            if line.startswith("#:"):
                pending_refs += line[2:].split()
            elif line.startswith("#,"):
                pending_fuzzy = "fuzzy" in line
            elif line.startswith("# "):
                pending_comments.append(line[2:])
            continue
        else:
            obsolete = False
        if not line:
            continue
        try:
            if line.startswith("msgid_plural "):
                assert cur is not None
                cur.plural = _unquote(line[13:])
                target = ("plural", 0)
            elif line.startswith("msgid "):
                finish()
                cur = Entry(_unquote(line[6:]), refs=pending_refs, comments=pending_comments)
                cur.fuzzy, cur.obsolete = pending_fuzzy, obsolete
                pending_refs, pending_comments, pending_fuzzy = [], [], False
                target = ("msgid", 0)
            elif line.startswith("msgstr["):
                assert cur is not None
                index = int(line[7 : line.index("]")])
                while len(cur.msgstr) <= index:
                    cur.msgstr.append("")
                cur.msgstr[index] = _unquote(line[line.index("]") + 1 :])
                target = ("msgstr", index)
            elif line.startswith("msgstr "):
                assert cur is not None
                cur.msgstr = [_unquote(line[7:])]
                target = ("msgstr", 0)
            elif line.startswith('"'):
                assert cur is not None and target is not None
                more = _unquote(line)
                if target[0] == "msgid":
                    cur.msgid += more
                elif target[0] == "plural":
                    cur.plural = (cur.plural or "") + more
                else:
                    cur.msgstr[target[1]] += more
            else:
                raise ValueError(f"unexpected line {raw!r}")
        except (ValueError, AssertionError, SyntaxError) as e:
            raise SystemExit(f"{path}:{lineno}: {e}") from None
    finish()
    return entries


def _quote(text: str) -> str:
    """A .po string: one line, or "" then one line per source line (readable diffs)."""

    def q(s: str) -> str:
        return (
            '"'
            + s.replace("\\", "\\\\")
            .replace('"', '\\"')
            .replace("\t", "\\t")
            .replace("\b", "\\b")
            .replace("\n", "\\n")
            + '"'
        )

    if "\n" not in text.rstrip("\n"):
        return q(text)
    lines = text.splitlines(keepends=True)
    return '""\n' + "\n".join(q(line) for line in lines)


def write_po(path: Path, entries: list[Entry], lang: str) -> None:
    out = [
        f"# cnncalc's {lang} catalog: {path.stem}",
        'msgid ""',
        f"msgstr {_quote(HEADER.format(lang=lang))}",
        "",
    ]
    for e in entries:
        prefix = "#~ " if e.obsolete else ""
        out += [f"# {c}" for c in e.comments]
        if e.refs and not e.obsolete:
            out.append("#: " + " ".join(e.refs))
        if e.fuzzy:
            out.append("#, fuzzy")
        block = [f"msgid {_quote(e.msgid)}"]
        if e.plural is not None:
            block.append(f"msgid_plural {_quote(e.plural)}")
            block += [f"msgstr[{i}] {_quote(s)}" for i, s in enumerate(e.msgstr)]
        else:
            block.append(f"msgstr {_quote(e.msgstr[0])}")
        out += [prefix + line for b in block for line in b.split("\n")]
        out.append("")
    path.write_text("\n".join(out), encoding="utf-8")


def load_sources(lang: str) -> dict[Path, list[Entry]]:
    folder = PO_DIR / lang
    return {p: read_po(p) for p in sorted(folder.glob("*.po"))}


# -- commands -------------------------------------------------------------------------------------


def update(lang: str) -> None:
    """New messages into their module's file (untranslated), references refreshed, gone ones dropped."""
    found, problems = extract()
    found += typer_messages()
    for p in problems:
        print(p, file=sys.stderr)
    sources = load_sources(lang)
    by_key: dict[str, list[Found]] = {}
    for f in found:
        by_key.setdefault(f.key, []).append(f)
    known: set[str] = set()
    for entries in sources.values():
        for e in entries:
            known.add(e.key)
            refs = by_key.get(e.key)
            e.obsolete = refs is None
            e.refs = _files(refs) if refs else []
    for key, refs in by_key.items():
        if key in known:
            continue
        path = PO_DIR / lang / f"{area_of(refs[0].where)}.po"
        entries = sources.setdefault(path, [])
        f = refs[0]
        entries.append(Entry(f.msgid, f.plural, [""], _files(refs)))
        known.add(key)
    (PO_DIR / lang).mkdir(parents=True, exist_ok=True)
    for path, entries in sources.items():
        kept = [e for e in entries if not e.obsolete]  # a message gone from the code goes (git keeps it)
        if kept:
            write_po(path, kept, lang)
        else:
            path.unlink()


def _files(found: list[Found]) -> list[str]:
    """The files a message is used in (no line numbers: they would churn the .po on every edit)."""
    return sorted({f.where.split(":")[0] for f in found})


def build_mo(lang: str) -> bytes:
    """The compiled catalog of every translated entry of po/LANG/*.po (GNU .mo, little-endian)."""
    pairs: dict[bytes, bytes] = {b"": HEADER.format(lang=lang).encode()}
    for entries in load_sources(lang).values():
        for e in entries:
            if e.obsolete or not e.translated:
                continue
            pairs[e.key.encode()] = "\0".join(e.msgstr).encode()
    keys = sorted(pairs)
    ids = b"".join(k + b"\0" for k in keys)
    strs = b"".join(pairs[k] + b"\0" for k in keys)
    n = len(keys)
    start = 7 * 4 + 16 * n
    id_table, str_table = [], []
    offset = start
    for k in keys:
        id_table += [len(k), offset]
        offset += len(k) + 1
    for k in keys:
        str_table += [len(pairs[k]), offset]
        offset += len(pairs[k]) + 1
    header = struct.pack("<7I", 0x950412DE, 0, n, 7 * 4, 7 * 4 + 8 * n, 0, 0)
    return header + struct.pack(f"<{2 * n}I", *id_table) + struct.pack(f"<{2 * n}I", *str_table) + ids + strs


def mo_path(lang: str) -> Path:
    return PACKAGE / "locale" / lang / "LC_MESSAGES" / "cnncalc.mo"


def compile_catalogs() -> None:
    for lang in LANGUAGES:
        path = mo_path(lang)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(build_mo(lang))


def check(lang: str) -> list[str]:
    """What is wrong with the catalogs: untranslated or missing messages, non-literal calls, a stale .mo."""
    found, problems = extract()
    found += typer_messages()
    entries = {e.key: e for es in load_sources(lang).values() for e in es if not e.obsolete}
    for f in found:
        e = entries.get(f.key)
        if e is None:
            problems.append(
                f"{f.where}: not in po/{lang}/*.po (run python po/catalog.py update): {f.msgid[:60]!r}"
            )
        elif not e.translated:
            problems.append(f"{f.where}: untranslated in po/{lang}: {f.msgid[:60]!r}")
    path = mo_path(lang)
    if not path.exists() or path.read_bytes() != build_mo(lang):
        problems.append(f"{path.relative_to(ROOT)} is stale: run python po/catalog.py compile")
    return sorted(set(problems))


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    if command == "update":
        for lang in LANGUAGES:
            update(lang)
    elif command == "compile":
        compile_catalogs()
    elif command == "check":
        problems = [p for lang in LANGUAGES for p in check(lang)]
        for p in problems:
            print(p)
        print(f"{len(problems)} problem(s)")
        return 1 if problems else 0
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
