"""Rule files as YARA reads them: bytes to source text, ``include`` directives confined to the rule folders.

Why a pre-pass instead of YARA's own include handling: yara-python compiles from memory (the rule set is cached
and reused by every worker), and an include must never read outside the folders the analyst gave (a public
collection is third-party input: ``include "/etc/passwd"`` or ``include "../../x"`` would otherwise read any file
of the host). Each include is resolved here, relative to the including file as the yara CLI does, refused when it
leaves the folders, and rewritten to a key (``@3``) that the compiler's include callback maps back to the text.

Encoding, as the yara CLI: YARA reads bytes. A UTF-8 file is passed as it is; a file in another 8-bit encoding
(Latin-1 / cp1252, common in French rule files) keeps its bytes: every non-ASCII byte is written ``\\xNN``, which
YARA reads as that byte inside a string or a regular expression (where such bytes can appear) and ignores inside
a comment. A file with a NUL byte is not text (UTF-16, a binary put in the folder): it is refused.
"""

from __future__ import annotations

import hashlib
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

RULE_SUFFIXES = (".yar", ".yara")
MAX_RULE_FILE_BYTES = 64 * 2**20  # the largest public rule files are a few MB; anything bigger is not a rule file
_INCLUDE = re.compile(r'^([ \t]*include[ \t]+)"([^"\r\n]*)"', re.M)
_COMMENTS = re.compile(r'"(?:\\.|[^"\\\n])*"|/\*.*?\*/|//[^\n]*', re.S)
_IMPORT = re.compile(r'^[ \t]*import[ \t]+"([^"\r\n]*)"', re.M)
_RULE_DEF = re.compile(r'(?:^|[\s}])(?:(?:private|global)\s+)*rule\s+([A-Za-z_][A-Za-z0-9_]*)\s*[:{]')


class RuleFileProblem(Exception):
    """A rule file that cannot be given to YARA: ``line`` (or None) and a plain ``reason``."""

    def __init__(self, line: int | None, reason: str) -> None:
        super().__init__(reason)
        self.line = line
        self.reason = reason


@dataclass
class RuleFile:
    """One rule file: its bytes' SHA-256, the text given to YARA (includes rewritten) and its key for includes."""

    key: str  # "@N": the name YARA knows it by (errors are reported as "@N(line): ...")
    path: Path
    root: Path
    sha256: str
    text: str = ""
    problem: RuleFileProblem | None = None
    includes: list[str] = field(default_factory=list)  # keys of the files it includes, in order
    own_rules: dict[str, int] = field(default_factory=dict)  # rule name -> line, as written in this file
    imports: dict[str, int] = field(default_factory=dict)  # module -> line of its import
    warning: str | None = None
    index_only: bool = False  # only includes and comments (an index.yar): nothing of its own to check
    data: bytes | None = field(default=None, repr=False)  # the bytes, until parsed


def strip_comments(text: str) -> str:
    """The text with comments blanked (strings kept; line numbers kept)."""

    def blank(m: re.Match[str]) -> str:
        s = m.group(0)
        return s if s.startswith('"') else re.sub(r"[^\n]", " ", s)

    return _COMMENTS.sub(blank, text)


def rule_names(text: str, *, stripped: bool = False) -> dict[str, int]:
    """Rule names defined in ``text`` and their line (first definition), comments ignored."""
    clean = text if stripped else strip_comments(text)
    names: dict[str, int] = {}
    for m in _RULE_DEF.finditer(clean):
        names.setdefault(m.group(1), clean.count("\n", 0, m.start(1)) + 1)
    return names


def decode_rule_bytes(data: bytes) -> tuple[str, str | None]:
    """Source text for YARA and an optional warning; :class:`RuleFileProblem` when the file is not text."""
    nul = data.find(b"\x00")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        hint = " (UTF-16 text?)" if data[:2] in (b"\xff\xfe", b"\xfe\xff") or nul <= 1 else ""
        raise RuleFileProblem(line, f"not a text rule file: NUL byte at offset {nul}{hint}")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        text = "".join(chr(b) if b < 0x80 else f"\\x{b:02X}" for b in data)
        return text, f"line {line}: not UTF-8; its non-ASCII bytes are matched as raw bytes, as the yara CLI does"


def rule_files_of(path: Path) -> list[Path]:
    """The ``*.yar``/``*.yara`` files of a folder (recursively, sorted) or the file itself."""
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in RULE_SUFFIXES)
    return [path]


class SourceTree:
    """Every rule file reached from the given paths, by key; includes resolved inside ``roots`` only."""

    def __init__(self) -> None:
        self.files: dict[str, RuleFile] = {}
        self._by_path: dict[Path, str] = {}
        self.top: list[str] = []  # keys of the files given (folder walks and files), in order
        self.roots: list[Path] = []  # the folders includes may read from

    def add_root(self, root: Path) -> None:
        root = root.resolve()
        if root not in self.roots:
            self.roots.append(root)

    def add_top(self, path: Path, root: Path) -> None:
        """A file given (or found in a folder given); ``root``: that folder, already passed to :meth:`add_root`."""
        resolved = path.resolve()
        if not any(resolved.is_relative_to(r) for r in self.roots):  # a link in the folder to a file elsewhere
            key = f"@{len(self.files) + 1}"
            self.files[key] = RuleFile(key, path, root, "", problem=RuleFileProblem(
                None, f"a link to {resolved}, outside the rule folders (refused)"))
        else:
            key = self._load(resolved, root)
        if key not in self.top:
            self.top.append(key)

    def _load(self, path: Path, root: Path) -> str:
        """Read and hash a file. Only a file that may include others is parsed now (its includes are part of the
        set's hash); the others are parsed by :meth:`prepare`, which a cache hit never needs (1,800 files: 0.3 s
        to hash against 3 s to parse)."""
        known = self._by_path.get(path)
        if known is not None:
            return known
        key = f"@{len(self.files) + 1}"
        self._by_path[path] = key
        try:
            st = path.stat()
            if not stat.S_ISREG(st.st_mode):  # a FIFO or a device would block or never end
                raise RuleFileProblem(None, "not a regular file")
            size = st.st_size
            if size > MAX_RULE_FILE_BYTES:
                raise RuleFileProblem(None, f"not a rule file: {size} bytes (more than {MAX_RULE_FILE_BYTES})")
            data = path.read_bytes()
        except OSError as exc:
            rf = RuleFile(key, path, root, "", problem=RuleFileProblem(None, f"cannot read: {exc.strerror or exc}"))
            self.files[key] = rf
            return key
        except RuleFileProblem as exc:
            self.files[key] = RuleFile(key, path, root, "", problem=exc)
            return key
        rf = RuleFile(key, path, root, hashlib.sha256(data).hexdigest())
        rf.data = data
        self.files[key] = rf
        if b"include" in data:
            self._prepare(rf)
        return key

    def prepare(self) -> None:
        """Parse every file not parsed yet: text for YARA, rule names, imports, includes."""
        for rf in list(self.files.values()):
            self._prepare(rf)

    def _prepare(self, rf: RuleFile) -> None:
        data, rf.data = rf.data, None
        if data is None:
            return
        try:
            rf.text, rf.warning = decode_rule_bytes(data)
        except RuleFileProblem as exc:
            rf.problem = exc
            return
        clean = strip_comments(rf.text)
        rf.own_rules = rule_names(clean, stripped=True)
        for m in _IMPORT.finditer(clean):
            rf.imports.setdefault(m.group(1), clean.count("\n", 0, m.start()) + 1)
        rf.index_only = not rf.own_rules and not _INCLUDE.sub("", clean).strip()
        self._resolve_includes(rf, clean)

    def _resolve_includes(self, rf: RuleFile, clean: str) -> None:
        parts: list[str] = []
        last = 0
        for m in _INCLUDE.finditer(clean):
            line = clean.count("\n", 0, m.start()) + 1
            requested = m.group(2)
            target = Path(requested)
            if not target.is_absolute():
                target = rf.path.parent / target
            try:
                resolved = target.resolve()
            except (OSError, RuntimeError):
                resolved = target
            if not any(resolved.is_relative_to(r) for r in self.roots):
                rf.problem = RuleFileProblem(line, f'include "{requested}" leaves the rule folders (refused)')
                return
            if not resolved.is_file():
                rf.problem = RuleFileProblem(line, f'include "{requested}" not found')
                return
            key = self._load(resolved, rf.root)
            rf.includes.append(key)
            parts.append(rf.text[last:m.start()] + f'{m.group(1)}"{key}"')
            last = m.end()
        rf.text = "".join(parts) + rf.text[last:]

    def digest(self) -> str:
        """SHA-256 over every file reached (path, root, bytes' hash): the key of the compiled cache."""
        h = hashlib.sha256()
        for key in self.top:
            h.update(f"top {key}\n".encode())
        for rf in self.files.values():
            h.update(f"{rf.key} {rf.path} {rf.root} {rf.sha256}\n".encode())
        return h.hexdigest()

    def closure(self, key: str) -> list[str]:
        """``key`` and every file it includes, transitively, included files first."""
        out: list[str] = []
        seen: set[str] = set()

        def visit(k: str) -> None:
            if k in seen:
                return
            seen.add(k)
            for inc in self.files[k].includes:
                visit(inc)
            out.append(k)

        visit(key)
        return out
