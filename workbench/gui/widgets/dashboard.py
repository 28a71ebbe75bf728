"""The attribution dashboard: per establishment records, patients, bases and proof, with charts (QtCharts).

The facts come from the report model (``workbench.report.model.build_report``), built off the UI thread.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSet,
    QCategoryAxis,
    QChart,
    QChartView,
    QHorizontalBarSeries,
    QHorizontalStackedBarSeries,
)
from PySide6.QtCore import QLocale, Qt, Signal
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from workbench.gui.display import number
from workbench.gui.jobs import JobThread
from workbench.gui.labels import value_label

BASES = ("canary", "watermark", "identifier", "pattern")
_BASIS_COLOURS = {"canary": "#c62828", "watermark": "#6a1b9a", "identifier": "#1565c0", "pattern": "#90a4ae"}


def _short(name: str | None, finess: str) -> str:
    text = name or finess
    return text if len(text) <= 38 else text[:36] + "…"


def nice_step(top: float, ticks: int = 5) -> float:
    """A round tick step (1, 2, 2.5 or 5 times a power of ten) giving about ``ticks`` intervals up to ``top``:
    axes read 0, 5 000, 10 000, 15 000, 20 000 instead of 0, 4 347, 8 694..."""
    import math

    if top <= 0:
        return 1.0
    raw = top / ticks
    power = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if m * power >= raw:
            return max(1.0, m * power)
    return max(1.0, 10 * power)


def axis_ticks(top: float) -> list[int]:
    """The round values an axis up to ``top`` is labelled with, from 0 (e.g. 0, 5 000, ..., 20 000)."""
    import math

    step = nice_step(top)
    end = step * max(1, math.ceil(top / step))
    return [int(round(i * step)) for i in range(int(round(end / step)) + 1)]


def _count_axis(top: float) -> QCategoryAxis:
    """A count axis from 0 to a round value above ``top``, labelled on its round values in the locale.

    A category axis with one label per tick: QValueAxis with ``localizeNumbers`` drops its labels under a
    ``%d`` format, and prints "5000.0" without it."""
    ticks = axis_ticks(top)
    axis = QCategoryAxis()
    axis.setLabelsPosition(QCategoryAxis.AxisLabelsPosition.AxisLabelsPositionOnValue)
    axis.setRange(0, ticks[-1])
    axis.setStartValue(0)
    for t in ticks:
        axis.append(number(t), t)
    return axis


def _localise(chart: QChart) -> None:
    """Axis and bar labels in the interface's locale (45 638 in French, 45,638 in English)."""
    chart.setLocale(QLocale())
    chart.setLocalizeNumbers(True)


class AttributionDashboard(QWidget):
    establishmentSelected = Signal(dict)
    establishmentActivated = Signal(str)  # FINESS: show its records
    loaded = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.table = QTableWidget(0, 6)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.records_chart = QChartView()
        self.bases_chart = QChartView()
        for v in (self.records_chart, self.bases_chart):
            v.setRenderHint(QPainter.RenderHint.Antialiasing)
            v.setMinimumHeight(220)
        charts = QSplitter(Qt.Orientation.Horizontal)
        charts.addWidget(self.records_chart)
        charts.addWidget(self.bases_chart)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(charts)
        split.setSizes([200, 300])
        lay = QVBoxLayout(self)
        lay.addWidget(self.summary)
        lay.addWidget(split, 1)
        self.report: dict | None = None
        self._job: JobThread | None = None
        self.table.itemSelectionChanged.connect(self._selected)
        self.table.cellDoubleClicked.connect(self._activated)
        self.clear()

    def clear(self) -> None:
        self.report = None
        self.summary.setText(self.tr("No attribution yet: scan the evidence with a registry loaded."))
        self.table.setRowCount(0)
        self._headers()
        self.records_chart.setChart(QChart())
        self.bases_chart.setChart(QChart())

    def _headers(self) -> None:
        self.table.setHorizontalHeaderLabels([self.tr("FINESS"), self.tr("Establishment"), self.tr("Records"),
                                              self.tr("Patients"), self.tr("Bases"), self.tr("Proof items")])

    def load(self, case_dir: Path) -> None:
        """Build the report model off the UI thread, then show it."""
        from workbench.report.model import build_report

        if self._job is not None and self._job.isRunning():
            return
        self.summary.setText(self.tr("Computing the attribution…"))
        job = JobThread(lambda cancel, progress: build_report(Path(case_dir), finding_limit=0), "dashboard", self)
        job.succeeded.connect(self.show_report)
        job.failed.connect(lambda msg, _d: self.summary.setText(self.tr("The attribution could not be computed: %1")
                                                                 .replace("%1", msg)))
        self._job = job
        job.start()

    def wait(self, ms: int = 60000) -> bool:
        return self._job is None or self._job.wait(ms)

    def show_report(self, report: dict) -> None:
        self.report = report
        s = report["summary"]
        ests = report["establishments"]
        attributed = sum(e["records"] for e in ests)
        # One "%Ln" text per count (Qt allows one plural per text), so that each noun and participle agrees
        # with its own number: "1 enregistrement attribué à 1 établissement", never "à 1 établissements".
        parts = {"%1": self.tr("%Ln record(s)", "", s["records"]), "%2": self.tr("%Ln patient(s)", "", s["patients"]),
                 "%3": self.tr("%Ln record(s) attributed", "", attributed),
                 "%4": self.tr("%Ln establishment(s)", "", len(ests)),
                 "%5": self.tr("%Ln unattributed", "", s["records"] - attributed)}
        text = self.tr("%1 about %2; %3 to %4, %5.")
        for key, value in parts.items():
            text = text.replace(key, value)
        self.summary.setText(text)
        self.table.setRowCount(len(ests))
        for i, e in enumerate(ests):
            bases = ", ".join(self.tr("%1: %2").replace("%1", value_label(k)).replace("%2", number(v)) for k, v in sorted(e["bases"].items(), key=lambda kv: BASES.index(kv[0])
                                                             if kv[0] in BASES else 9))
            values = [e["finess"], e["name"] or "", e["records"], e["patients"], bases, len(e["evidence"])]
            for j, v in enumerate(values):
                item = QTableWidgetItem()
                item.setData(Qt.ItemDataRole.DisplayRole, number(v) if isinstance(v, int) else v)
                if isinstance(v, int):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(i, j, item)
        self.table.resizeColumnsToContents()
        self._charts(ests, s["records"] - attributed)
        self.loaded.emit()

    def _charts(self, ests: list[dict], unattributed: int) -> None:
        labels = [_short(e["name"], e["finess"]) for e in ests] + [self.tr("Unattributed")]
        counts = [e["records"] for e in ests] + [unattributed]
        chart = QChart()
        chart.setTitle(self.tr("Records per establishment"))
        bars = QBarSet(self.tr("Records"))
        bars.append([float(c) for c in reversed(counts)])
        series = QHorizontalBarSeries()
        series.append(bars)
        series.setLabelsVisible(True)
        chart.addSeries(series)
        axis_y = QBarCategoryAxis()
        axis_y.append(list(reversed(labels)))
        axis_x = _count_axis(max(counts + [1]) * 1.15)
        chart.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
        chart.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(axis_y)
        series.attachAxis(axis_x)
        _localise(chart)
        chart.legend().setVisible(False)
        self.records_chart.setChart(chart)

        chart2 = QChart()
        chart2.setTitle(self.tr("Basis of each attribution"))
        stacked = QHorizontalStackedBarSeries()
        for basis in BASES:  # the legend names each basis as the table beside it and the report do
            bs = QBarSet(value_label(basis))
            bs.setColor(_BASIS_COLOURS[basis])
            bs.append([float(e["bases"].get(basis, 0)) for e in reversed(ests)])
            stacked.append(bs)
        chart2.addSeries(stacked)
        axis_y2 = QBarCategoryAxis()
        axis_y2.append([_short(e["name"], e["finess"]) for e in reversed(ests)])
        axis_x2 = _count_axis(max([sum(e["bases"].get(b, 0) for b in BASES) for e in ests] + [1]))
        chart2.addAxis(axis_y2, Qt.AlignmentFlag.AlignLeft)
        chart2.addAxis(axis_x2, Qt.AlignmentFlag.AlignBottom)
        stacked.attachAxis(axis_y2)
        stacked.attachAxis(axis_x2)
        _localise(chart2)
        chart2.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        self.bases_chart.setChart(chart2)

    def _selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows and self.report is not None:
            self.establishmentSelected.emit(self.report["establishments"][rows[0].row()])

    def _activated(self, row: int, _col: int) -> None:
        if self.report is not None:
            self.establishmentActivated.emit(self.report["establishments"][row]["finess"])
