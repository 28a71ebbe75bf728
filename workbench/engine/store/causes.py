"""The error causes of :mod:`workbench.engine.error_causes` as one SQL expression, for the window's errors table
and the report's counts: the same table, so that the two cannot disagree with the Python function."""

from __future__ import annotations

from workbench.engine.error_causes import CAUSES, OTHER, STAGE_CAUSES, STATUS_CAUSES


def _literal(text: str) -> str:
    if "'" in text:
        raise ValueError(f"a quote in a cause table entry: {text!r}")
    return f"'{text}'"


def cause_sql(message: str, stage: str, status: str | None = None) -> str:
    """A ``CASE`` giving the cause of the error line whose message, stage (and item status) are the SQL
    expressions ``message``, ``stage`` (and ``status``): the order of ``error_cause``, SQLite and DuckDB alike."""
    parts = [f"WHEN {stage} = {_literal(s)} THEN {_literal(c)}" for s, c in STAGE_CAUSES.items()]
    for cause, words in CAUSES:
        test = " OR ".join(f"instr(lower({message}), {_literal(w)}) > 0" for w in words)
        parts.append(f"WHEN {test} THEN {_literal(cause)}")
    if status is not None:
        parts += [f"WHEN {status} = {_literal(s)} THEN {_literal(c)}" for s, c in STATUS_CAUSES.items()]
    return f"(CASE {' '.join(parts)} ELSE {_literal(OTHER)} END)"
