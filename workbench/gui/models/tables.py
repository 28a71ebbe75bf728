"""The case's tables as paged models: records, findings, beacon hits, watermark hits (read through
:mod:`workbench.engine.store.browse`)."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP

from workbench.engine.store.browse import pager
from workbench.engine.store.reader import CaseReader
from workbench.gui.models.paged import Column, PagedModel

_ITEM = Column("item", QT_TRANSLATE_NOOP("Columns", "Item"), masked="item")  # a file named after a NIR
_LOCATOR = Column("locator", QT_TRANSLATE_NOOP("Columns", "Locator"), label="locator")
_ESTABLISHMENT = Column("establishment", QT_TRANSLATE_NOOP("Columns", "Establishment"))
_RECIPIENT = Column("recipient", QT_TRANSLATE_NOOP("Columns", "Recipient"))
_KIND = Column("kind", QT_TRANSLATE_NOOP("Columns", "Kind"), label="value")


def records_model(reader: CaseReader, parent=None) -> PagedModel:
    cols = [
        _ITEM,
        _LOCATOR,
        Column("nir", QT_TRANSLATE_NOOP("Columns", "NIR"), masked="nir"),
        Column("family_name", QT_TRANSLATE_NOOP("Columns", "Family name"), masked="family_name"),
        Column("given_name", QT_TRANSLATE_NOOP("Columns", "Given name"), masked="given_name"),
        Column("birth_date", QT_TRANSLATE_NOOP("Columns", "Born"), masked="birth_date"),
        Column("sex", QT_TRANSLATE_NOOP("Columns", "Sex"), label="value"),
        Column("event_last", QT_TRANSLATE_NOOP("Columns", "Latest date")),
        _ESTABLISHMENT,
        _RECIPIENT,
        Column("basis", QT_TRANSLATE_NOOP("Columns", "Basis"), label="value"),
        Column("confidence", QT_TRANSLATE_NOOP("Columns", "Confidence"), label="confidence"),
    ]
    return PagedModel(pager(reader, "records"), columns=cols, parent=parent)


def findings_model(reader: CaseReader, parent=None) -> PagedModel:
    cols = [
        _ITEM,
        Column("detector", QT_TRANSLATE_NOOP("Columns", "Detector"), label="value"),
        Column("rule", QT_TRANSLATE_NOOP("Columns", "Rule")),
        Column("severity", QT_TRANSLATE_NOOP("Columns", "Severity"), label="value"),
        Column("layer", QT_TRANSLATE_NOOP("Columns", "Layer"), label="value"),
        Column("offset", QT_TRANSLATE_NOOP("Columns", "Offset"), numeric=True),
        Column("excerpt", QT_TRANSLATE_NOOP("Columns", "Excerpt"), masked="excerpt"),
    ]
    return PagedModel(pager(reader, "findings"), columns=cols, parent=parent)


def beacons_model(reader: CaseReader, parent=None) -> PagedModel:
    cols = [
        Column("beacon_id", QT_TRANSLATE_NOOP("Columns", "Beacon")),
        _KIND,
        Column("status", QT_TRANSLATE_NOOP("Columns", "Status"), label="value"),
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


def identifiers_model(reader: CaseReader, parent=None) -> PagedModel:
    """Detected identifiers, one line per distinct value and item; values masked by their type."""
    cols = [
        Column("type", QT_TRANSLATE_NOOP("Columns", "Type"), label="value"),
        Column("value", QT_TRANSLATE_NOOP("Columns", "Value"), masked="@type"),
        Column("count", QT_TRANSLATE_NOOP("Columns", "Occurrences"), numeric=True),
        _ITEM,
        Column("first_offset", QT_TRANSLATE_NOOP("Columns", "First offset"), numeric=True),
    ]
    return PagedModel(pager(reader, "identifiers"), columns=cols, parent=parent)


def errors_model(reader: CaseReader, parent=None) -> PagedModel:
    """Items that could not be read or parsed whole, with the stage and the one-line reason."""
    cols = [
        _ITEM,
        Column("stage", QT_TRANSLATE_NOOP("Columns", "Stage"), label="value"),
        Column("cause", QT_TRANSLATE_NOOP("Columns", "Cause"), label="value"),
        # the engine's message: masked as the report masks it (identifiers, the case's people's names in its paths);
        # the strict masking of excerpts hid its English words ("C********* file ended")
        Column("error", QT_TRANSLATE_NOOP("Columns", "Error"), masked="item"),
    ]
    return PagedModel(pager(reader, "errors"), columns=cols, parent=parent)
