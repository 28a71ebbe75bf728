"""SQL identifiers and ``CREATE TABLE`` column names, as dumps write them: one reading for the whole workbench.

The record parser (``engine.records.sqldump``) and the watermark's SQL reader (``beacons.mark_io``: the date
policy reads birth-date column names from ``CREATE TABLE``) must agree on a table's columns. They had two
copies; the watermark's split a body on every comma outside parentheses, so a column default such as
``DEFAULT 'a,b'`` or a comment ``COMMENT 'nom, prénom'`` (both frequent in mysqldump output) shifted every
name after it. This module is the quote- and comment-aware reading both use. It imports nothing from the
workbench, so the core layers (beacons, engine) can share it without a cycle.
"""

from __future__ import annotations

import re

__all__ = ["IDENT", "NAME", "column_names", "split_top_level", "table_name", "unquote_identifier"]

# one identifier: `back``ticked`, "double ""quoted""", [bracketed] (SQL Server, SQLite) or bare
IDENT = r'(?:`(?:[^`]|``)*`|"(?:[^"]|"")*"|\[[^\]]*\]|[A-Za-z_][\w$]*)'
NAME = rf"{IDENT}(?:\s*\.\s*{IDENT})*"  # schema.table
_IDENT_PART = re.compile(IDENT)

# what starts a CREATE TABLE entry that is not a column (MySQL, PostgreSQL, SQLite)
_NOT_COLUMNS = {"PRIMARY", "KEY", "UNIQUE", "CONSTRAINT", "INDEX", "FOREIGN", "CHECK", "FULLTEXT", "SPATIAL",
                "EXCLUDE", "PERIOD", "LIKE"}


def unquote_identifier(raw: str) -> str:
    """``"a""b"`` -> ``a"b``; backticks and brackets likewise; a bare name as is."""
    raw = raw.strip()
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "`\"":
        quote = raw[0]
        return raw[1:-1].replace(quote * 2, quote)
    if len(raw) >= 2 and raw[0] == "[" and raw[-1] == "]":
        return raw[1:-1]
    return raw


def table_name(raw: str) -> str:
    """``\\`db\\`.\\`patients\\``` -> ``db.patients``: the parts of a (possibly qualified) name, unquoted."""
    return ".".join(unquote_identifier(p) for p in _IDENT_PART.findall(raw))


def split_top_level(body: str) -> list[str]:
    """Split on commas outside parentheses, quotes and identifiers; blank parts dropped."""
    parts, depth, start, i, n = [], 0, 0, 0, len(body)
    while i < n:
        ch = body[i]
        if ch in "'\"`":
            end = body.find(ch, i + 1)
            while end != -1 and end + 1 < n and body[end + 1] == ch:
                end = body.find(ch, end + 2)
            i = n if end == -1 else end + 1
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(body[start:i])
            start = i + 1
        i += 1
    parts.append(body[start:])
    return [p.strip() for p in parts if p.strip()]


def column_names(body: str) -> list[str]:
    """The column names of a ``CREATE TABLE`` body (the text between its outer parentheses), in order.

    Keys and constraints are skipped. sakila: ``/*!50705 location GEOMETRY NOT NULL,*/`` is a column (MySQL
    runs versioned comments); plain ``/* .. */`` comments are dropped."""
    body = re.sub(r"/\*!\d*|\*/", " ", re.sub(r"/\*(?!!).*?\*/", " ", body, flags=re.DOTALL))
    names = []
    for part in split_top_level(body):
        match = _IDENT_PART.match(part)
        if not match:
            continue
        if match.group(0)[0] not in "`\"[" and match.group(0).upper() in _NOT_COLUMNS:
            continue
        names.append(unquote_identifier(match.group(0)))
    return names
