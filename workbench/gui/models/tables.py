"""The case's tables as paged models: records, findings, beacon hits, watermark hits."""

from __future__ import annotations

import sqlite3

from PySide6.QtCore import QT_TRANSLATE_NOOP

from workbench.gui.models.paged import Column, SqlPagedModel


def _join(alias: str) -> str:
    return f"LEFT JOIN items i ON i.id = {alias}.item_id"


def _item(alias: str) -> Column:
    """The item's virtual path; filtered through the (small) items table, not a join per row."""
    return Column("item", "i.vpath", QT_TRANSLATE_NOOP("Columns", "Item"), None, joined=True,
                  filter_sql=f"{alias}.item_id IN (SELECT id FROM items WHERE vpath LIKE ? ESCAPE '\\')")


def records_model(conn: sqlite3.Connection, parent=None) -> SqlPagedModel:
    cols = [
        _item("r"),
        Column("locator", "r.locator", QT_TRANSLATE_NOOP("Columns", "Locator"), "locator"),
        Column("nir", "r.nir", QT_TRANSLATE_NOOP("Columns", "NIR"), "nir", masked="nir"),
        Column("family_name", "r.family_name", QT_TRANSLATE_NOOP("Columns", "Family name"), "family_name",
               masked="family_name"),
        Column("given_name", "r.given_name", QT_TRANSLATE_NOOP("Columns", "Given name"), "given_name",
               masked="given_name"),
        Column("birth_date", "r.birth_date", QT_TRANSLATE_NOOP("Columns", "Born"), "birth_date", masked="birth_date"),
        Column("sex", "r.sex", QT_TRANSLATE_NOOP("Columns", "Sex"), "sex", filterable=False),
        Column("event_last", "r.event_last", QT_TRANSLATE_NOOP("Columns", "Latest date"), "event_last"),
        Column("establishment", "r.establishment", QT_TRANSLATE_NOOP("Columns", "Establishment"), "establishment"),
        Column("recipient", "r.recipient", QT_TRANSLATE_NOOP("Columns", "Recipient"), "recipient"),
        Column("basis", "r.basis", QT_TRANSLATE_NOOP("Columns", "Basis"), "basis"),
        Column("confidence", "r.confidence", QT_TRANSLATE_NOOP("Columns", "Confidence"), "confidence",
               filterable=False),
    ]
    return SqlPagedModel(conn, table="records", alias="r", join=_join("r"), columns=cols, parent=parent)


def findings_model(conn: sqlite3.Connection, parent=None) -> SqlPagedModel:
    cols = [
        _item("f"),
        Column("detector", "f.detector", QT_TRANSLATE_NOOP("Columns", "Detector"), "detector"),
        Column("rule", "f.rule", QT_TRANSLATE_NOOP("Columns", "Rule"), "rule"),
        Column("severity", "f.severity", QT_TRANSLATE_NOOP("Columns", "Severity"), "severity"),
        Column("layer", "f.layer", QT_TRANSLATE_NOOP("Columns", "Layer"), "layer"),
        Column("offset", "f.offset", QT_TRANSLATE_NOOP("Columns", "Offset"), "offset", filterable=False,
               numeric=True),
        Column("excerpt", "f.excerpt", QT_TRANSLATE_NOOP("Columns", "Excerpt"), "excerpt", masked="excerpt"),
    ]
    return SqlPagedModel(conn, table="findings", alias="f", join=_join("f"), columns=cols, parent=parent)


def beacons_model(conn: sqlite3.Connection, parent=None) -> SqlPagedModel:
    cols = [
        Column("beacon_id", "b.beacon_id", QT_TRANSLATE_NOOP("Columns", "Beacon"), "beacon_id"),
        Column("kind", "b.kind", QT_TRANSLATE_NOOP("Columns", "Kind"), "kind"),
        Column("status", "b.status", QT_TRANSLATE_NOOP("Columns", "Status"), "status"),
        Column("establishment", "b.establishment", QT_TRANSLATE_NOOP("Columns", "Establishment"), "establishment"),
        Column("recipient", "b.recipient", QT_TRANSLATE_NOOP("Columns", "Recipient"), "recipient"),
        _item("b"),
        Column("locator", "b.locator", QT_TRANSLATE_NOOP("Columns", "Locator"), "locator"),
    ]
    return SqlPagedModel(conn, table="beacon_hits", alias="b", join=_join("b"), columns=cols, parent=parent)


def watermarks_model(conn: sqlite3.Connection, parent=None) -> SqlPagedModel:
    cols = [
        Column("kind", "w.kind", QT_TRANSLATE_NOOP("Columns", "Kind"), "kind"),
        Column("establishment", "w.establishment", QT_TRANSLATE_NOOP("Columns", "Establishment"), "establishment"),
        Column("recipient", "w.recipient", QT_TRANSLATE_NOOP("Columns", "Recipient"), "recipient"),
        Column("p_value", "w.p_value", QT_TRANSLATE_NOOP("Columns", "p-value"), "p_value", filterable=False,
               numeric=True),
        Column("rows", "w.rows", QT_TRANSLATE_NOOP("Columns", "Rows"), "rows", filterable=False, numeric=True),
        _item("w"),
        Column("locator", "w.locator", QT_TRANSLATE_NOOP("Columns", "Locator"), "locator"),
    ]
    return SqlPagedModel(conn, table="watermark_hits", alias="w", join=_join("w"), columns=cols, parent=parent)
