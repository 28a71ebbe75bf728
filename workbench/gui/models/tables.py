"""The case's tables as paged models: records, findings, beacon hits, watermark hits (read through
:mod:`workbench.engine.store.browse`)."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP

from workbench.engine.store.browse import pager
from workbench.engine.store.reader import CaseReader
from workbench.gui.models.paged import Column, PagedModel

_ITEM = Column("item", QT_TRANSLATE_NOOP("Columns", "Item"))
_LOCATOR = Column("locator", QT_TRANSLATE_NOOP("Columns", "Locator"))
_ESTABLISHMENT = Column("establishment", QT_TRANSLATE_NOOP("Columns", "Establishment"))
_RECIPIENT = Column("recipient", QT_TRANSLATE_NOOP("Columns", "Recipient"))
_KIND = Column("kind", QT_TRANSLATE_NOOP("Columns", "Kind"))


def records_model(reader: CaseReader, parent=None) -> PagedModel:
    cols = [
        _ITEM,
        _LOCATOR,
        Column("nir", QT_TRANSLATE_NOOP("Columns", "NIR"), masked="nir"),
        Column("family_name", QT_TRANSLATE_NOOP("Columns", "Family name"), masked="family_name"),
        Column("given_name", QT_TRANSLATE_NOOP("Columns", "Given name"), masked="given_name"),
        Column("birth_date", QT_TRANSLATE_NOOP("Columns", "Born"), masked="birth_date"),
        Column("sex", QT_TRANSLATE_NOOP("Columns", "Sex")),
        Column("event_last", QT_TRANSLATE_NOOP("Columns", "Latest date")),
        _ESTABLISHMENT,
        _RECIPIENT,
        Column("basis", QT_TRANSLATE_NOOP("Columns", "Basis")),
        Column("confidence", QT_TRANSLATE_NOOP("Columns", "Confidence")),
    ]
    return PagedModel(pager(reader, "records"), columns=cols, parent=parent)


def findings_model(reader: CaseReader, parent=None) -> PagedModel:
    cols = [
        _ITEM,
        Column("detector", QT_TRANSLATE_NOOP("Columns", "Detector")),
        Column("rule", QT_TRANSLATE_NOOP("Columns", "Rule")),
        Column("severity", QT_TRANSLATE_NOOP("Columns", "Severity")),
        Column("layer", QT_TRANSLATE_NOOP("Columns", "Layer")),
        Column("offset", QT_TRANSLATE_NOOP("Columns", "Offset"), numeric=True),
        Column("excerpt", QT_TRANSLATE_NOOP("Columns", "Excerpt"), masked="excerpt"),
    ]
    return PagedModel(pager(reader, "findings"), columns=cols, parent=parent)


def beacons_model(reader: CaseReader, parent=None) -> PagedModel:
    cols = [
        Column("beacon_id", QT_TRANSLATE_NOOP("Columns", "Beacon")),
        _KIND,
        Column("status", QT_TRANSLATE_NOOP("Columns", "Status")),
        _ESTABLISHMENT,
        _RECIPIENT,
        _ITEM,
        _LOCATOR,
    ]
    return PagedModel(pager(reader, "beacons"), columns=cols, parent=parent)


def watermarks_model(reader: CaseReader, parent=None) -> PagedModel:
    cols = [
        _KIND,
        _ESTABLISHMENT,
        _RECIPIENT,
        Column("p_value", QT_TRANSLATE_NOOP("Columns", "p-value"), numeric=True, log10=True),
        Column("rows", QT_TRANSLATE_NOOP("Columns", "Rows"), numeric=True),
        _ITEM,
        _LOCATOR,
    ]
    return PagedModel(pager(reader, "watermarks"), columns=cols, parent=parent)
