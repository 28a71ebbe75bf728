"""The main window: start, inputs, scan, views and report. Calls the core; holds no business logic."""

from __future__ import annotations

import logging
from contextlib import contextmanager
from pathlib import Path

from PySide6.QtCore import QByteArray, QModelIndex, QStandardPaths, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSplitter,
    QTableView,
    QTabWidget,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from workbench.engine.masking import mask_path
from workbench.engine.store.browse import finding_location, item_sha256
from workbench.engine.store.casekey import format_fingerprint
from workbench.engine.store.reader import CaseReader
from workbench.engine.unmasking import UnmaskingRefused, default_analyst, record_unmasking
from workbench.engine.yara_externals import parse_defines
from workbench.gui import casedb
from workbench.gui.dialogs.export import ExportDialog
from workbench.gui.dialogs.new_case import NewCaseDialog
from workbench.gui.dialogs.registry import RegistryDialog
from workbench.gui.dialogs.rules import RulesDialog, check_rules
from workbench.gui.dialogs.unmask import UnmaskDialog
from workbench.gui.display import number, utc_timestamp
from workbench.gui.i18n import install_language, system_language
from workbench.gui.item_source import ItemSourceError, export_item
from workbench.gui.jobs import JobThread
from workbench.gui.labels import locator_search
from workbench.gui.models.paged import PagedModel
from workbench.gui.models.tables import (
    beacons_model,
    errors_model,
    findings_model,
    identifiers_model,
    records_model,
    watermarks_model,
)
from workbench.gui.models.tree import ITEM_ID_ROLE, VPATH_ROLE, EvidenceTreeModel
from workbench.gui.settings import Settings
from workbench.gui.widgets.casepage import StartStack
from workbench.gui.widgets.dashboard import AttributionDashboard
from workbench.gui.widgets.details import DetailsPane
from workbench.gui.widgets.headers import header_width
from workbench.gui.widgets.report_view import ReportView
from workbench.gui.widgets.viewer import ItemViewer

log = logging.getLogger(__name__)

DEMO_SIZE = 12 * 2**20
DETAILS_CHARS = 32  # the details pane's first width, in average characters of its font


@contextmanager
def _busy_cursor():
    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        yield
    finally:
        QApplication.restoreOverrideCursor()


class TablePage(QWidget):
    """A paged table with its filter box and row count."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText(self.tr("Filter (press Enter)…"))
        self.filter.setToolTip(self.tr("Words are searched in the text columns; column:value keeps the rows whose "
                                       "column equals the value (e.g. establishment:350990016)."))
        self.filter.setClearButtonEnabled(True)
        self.count = QLabel()
        self.view = QTableView()
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setSortingEnabled(False)
        self.view.horizontalHeader().setSortIndicatorShown(True)
        self.view.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.view.horizontalHeader().setSectionsClickable(True)
        self.view.verticalHeader().setDefaultSectionSize(22)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        row = QHBoxLayout()
        row.addWidget(self.filter, 1)
        row.addWidget(self.count)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(row)
        lay.addWidget(self.view, 1)
        self.model: PagedModel | None = None
        # The exact count of a filtered table, counted on a job thread while the first rows are shown: the key of
        # the query it answers and its count; the job running, if any (one at a time: the next starts when it ends)
        self._exact: tuple[tuple, int] | None = None
        self._count_job: JobThread | None = None
        self.filter.returnPressed.connect(self.apply_filter)
        self.filter.textChanged.connect(lambda t: self.apply_filter() if not t else None)
        self.view.horizontalHeader().sectionClicked.connect(self._sort_clicked)

    def set_model(self, model: PagedModel | None) -> None:
        self.stop_count()  # a count of the previous model's case must end before that case is closed
        self.model = model
        self.view.setModel(model)
        if model is not None:
            model.modelReset.connect(self.update_count)
            model.rowsInserted.connect(self.update_count)
            self.view.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
            header = self.view.horizontalHeader()
            # A last text column (an error's reason, an excerpt, a locator) takes the room left: 150 pixels
            # showed "ArchiveError: chu-ren…" beside an empty half of the window. A last number stays narrow.
            header.setStretchLastSection(not model.columns[-1].numeric)
            for i, c in enumerate(model.columns):
                base = 90 if c.numeric else (260 if c.key == "item" else 150)
                self.view.setColumnWidth(i, max(base, header_width(header, model.headerData(
                    i, Qt.Orientation.Horizontal))))
        self.update_count()

    def query(self) -> tuple[dict[str, str], str]:
        """The filter box read as ``column:value`` conditions and words searched in the text columns; a locator
        typed as the table shows it ("ligne 17") is searched in its stored form (``row:17``)."""
        keys = {c.key for c in self.model.columns} if self.model is not None else set()
        condition: dict[str, str] = {}
        words = []
        for token in self.filter.text().split():
            key, sep, value = token.partition(":")
            if sep and value and key in keys:
                condition[key] = value
            else:
                words.append(token)
        return condition, locator_search(" ".join(words))

    def apply_filter(self) -> None:
        if self.model is not None:
            condition, text = self.query()
            with _busy_cursor():
                self.model.set_query(condition, text)

    def _sort_clicked(self, section: int) -> None:
        if self.model is None:
            return
        header = self.view.horizontalHeader()
        if not self.model.is_sortable(section):
            header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
            self.count.setText(self.tr("This column cannot be sorted on a table this large"))
            return
        order = header.sortIndicatorOrder()
        with _busy_cursor():  # a first sort or a rare filter over ten million records reads whole columns
            self.model.sort(section, order)

    def update_count(self) -> None:
        if self.model is None:
            self.count.setText("")
            return
        n = self.model.rowCount()
        more = self.model.canFetchMore(QModelIndex())
        # "%Ln": Qt picks the plural form of the catalogue (French: 0 and 1 singular) and groups the digits
        # in the interface's locale; a filtered table still fetching says "100+ lignes".
        if more and self._exact is not None and self._exact[0] == self._count_key():
            n, more = self._exact[1], False
        text = self.tr("%Ln row(s)", "", n)
        self.count.setText(text.replace(number(n), number(n) + "+", 1) if more else text)
        if more:
            self._start_count()

    def _count_key(self, request: tuple | None = None) -> tuple:
        table, _labels, text, condition = request or self.model.count_request()
        return id(self.model), table, text, tuple(sorted((condition or {}).items()))

    def _start_count(self) -> None:
        """Count the filtered rows on a job thread ("100+ rows" until then), unless a count runs already (its end
        starts the next one if the filter changed meanwhile)."""
        if self._count_job is not None or self.model is None:
            return
        request = self.model.count_request()
        key = self._count_key(request)
        case_dir = self.model.pager.reader.dir
        job = JobThread(lambda cancel, progress: casedb.filtered_count(case_dir, *request), "filtered-count", self)
        job.finished.connect(lambda job=job, key=key: self._counted(job, key))
        self._count_job = job
        job.start()

    def _counted(self, job: JobThread, key: tuple) -> None:
        job.wait()
        if job is not self._count_job:
            return
        self._count_job = None
        job.deleteLater()
        if job.error is not None:  # the count stays "N+": the rows themselves are shown all the same
            log.warning("filtered rows not counted: %s", job.error)
            return
        self._exact = (key, int(job.result))
        if self.model is not None:
            self.update_count()

    def stop_count(self) -> None:
        """Wait for a running count (before its case closes) and forget the last one."""
        job, self._count_job, self._exact = self._count_job, None, None
        if job is not None:
            job.wait()
            job.deleteLater()


class MainWindow(QMainWindow):
    def __init__(self, settings: Settings | None = None, *, language: str | None = None) -> None:
        super().__init__()
        self.settings = settings or Settings()
        self.language = language or self.settings.language() or system_language()
        install_language(self.language)
        self.case_dir: Path | None = None
        self.reader: CaseReader | None = None
        self.registry_path: Path | None = None
        self.registry_chosen = False
        self.user_rules: list[tuple[Path, bool]] = []
        self.rule_defines = ""  # YARA external variables, as `balise scan --rules-define` (NAME=VALUE ...)
        self.masked = True
        self.person_names: frozenset[str] = frozenset()  # the open case's people's names, folded (item paths)
        self._names_job: JobThread | None = None
        self.job: JobThread | None = None
        self.job_kind: str | None = None
        self._on_success = None
        self._focus: tuple | None = None  # (vpath, offset, locator) the next tree selection opens at
        self.jobs: int | None = None  # worker processes (None: all cores)
        self.demo_folder = Path(QStandardPaths.writableLocation(
            QStandardPaths.StandardLocation.AppLocalDataLocation) or Path.home() / ".balise") / "demo"
        self.demo_size = DEMO_SIZE
        self.last_summary = None
        self.last_export: dict[str, Path] = {}
        self._status_timer = QTimer(self)
        self._status_timer.setInterval(2000)
        self._status_timer.timeout.connect(self.update_status)
        self._build_ui()
        geometry = self.settings.q.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 820)
        state = self.settings.q.value("window/state")
        # The details pane's first width is set once the window shows (see showEvent), unless a saved layout
        # gives it its own.
        self._details_width_pending = not (isinstance(state, QByteArray) and self.restoreState(state))

    # ================================================================== building
    def _build_ui(self) -> None:
        self.setWindowTitle(self.tr("Balise Workbench"))
        self.start = StartStack()
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tree = QTreeView()
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.viewer = ItemViewer()
        ev_split = QSplitter(Qt.Orientation.Horizontal)
        ev_split.addWidget(self.tree)
        ev_split.addWidget(self.viewer)
        ev_split.setSizes([700, 560])  # the tree's size, status, findings and records columns visible
        self.evidence_split = ev_split
        self.findings_page = TablePage()
        self.records_page = TablePage()
        self.beacons_page = TablePage()
        self.watermarks_page = TablePage()
        self.identifiers_page = TablePage()
        self.errors_page = TablePage()
        beacon_split = QSplitter(Qt.Orientation.Vertical)
        beacon_split.addWidget(self.beacons_page)
        beacon_split.addWidget(self.watermarks_page)
        self.dashboard = AttributionDashboard()
        self.report_view = ReportView()
        self.tabs.addTab(self.start, self.tr("Case"))
        self.tabs.addTab(ev_split, self.tr("Evidence"))
        self.tabs.addTab(self.findings_page, self.tr("Findings"))
        self.tabs.addTab(self.records_page, self.tr("Records"))
        self.tabs.addTab(beacon_split, self.tr("Beacons"))
        self.tabs.addTab(self.identifiers_page, self.tr("Identifiers"))
        self.tabs.addTab(self.errors_page, self.tr("Item errors"))
        self.tabs.addTab(self.dashboard, self.tr("Attribution"))
        self.tabs.addTab(self.report_view, self.tr("Report"))
        self.beacon_split = beacon_split
        self.setCentralWidget(self.tabs)
        self.details = DetailsPane()
        self.details_dock = QDockWidget(self.tr("Details"), self)
        self.details_dock.setObjectName("details")
        self.details_dock.setWidget(self.details)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.details_dock)
        if self.isVisible():  # built again by a language switch: a new pane, its first width once laid out
            QTimer.singleShot(0, self, self._size_details)
        sb = self.statusBar()
        for old in (getattr(self, "status_case", None), getattr(self, "status_evidence", None),
                    getattr(self, "status_mask", None)):
            if old is not None:  # a language switch builds the window again: one set of labels, not one more
                sb.removeWidget(old)
                old.deleteLater()
        self.status_case = QLabel()
        self.status_evidence = QLabel()
        self.status_mask = QLabel()
        sb.addWidget(self.status_case, 1)
        sb.addPermanentWidget(self.status_evidence)
        sb.addPermanentWidget(self.status_mask)
        self._build_menus()
        self._connect()
        self._refresh_recent()
        self._apply_case()

    def _action(self, text: str, slot, shortcut=None, *, checkable: bool = False) -> QAction:
        a = QAction(text, self)
        if shortcut is not None:
            a.setShortcut(QKeySequence(shortcut))
        a.setCheckable(checkable)
        a.triggered.connect(slot)
        return a

    def _build_menus(self) -> None:
        mb = self.menuBar()
        mb.clear()
        f = mb.addMenu(self.tr("&File"))
        self.act_new = self._action(self.tr("&New case…"), self.new_case, QKeySequence.StandardKey.New)
        self.act_open = self._action(self.tr("&Open case…"), self.open_case_dialog, QKeySequence.StandardKey.Open)
        self.act_demo = self._action(self.tr("Open the &demo"), self.open_demo, "Ctrl+Shift+D")
        f.addActions([self.act_new, self.act_open])
        self.recent_menu = f.addMenu(self.tr("&Recent cases"))
        f.addAction(self.act_demo)
        f.addSeparator()
        f.addAction(self._action(self.tr("&Quit"), self.close, QKeySequence.StandardKey.Quit))
        e = mb.addMenu(self.tr("&Inputs"))
        self.act_add_files = self._action(self.tr("Add evidence &files…"), self.add_files_dialog, "Ctrl+Shift+O")
        self.act_add_folder = self._action(self.tr("Add an evidence f&older…"), self.add_folder_dialog, "Ctrl+Shift+F")
        self.act_registry = self._action(self.tr("Load a &registry…"), self.registry_dialog, "Ctrl+Shift+R")
        self.act_rules = self._action(self.tr("YARA r&ules…"), self.rules_dialog, "Ctrl+Shift+Y")
        e.addActions([self.act_add_files, self.act_add_folder, self.act_registry, self.act_rules])
        s = mb.addMenu(self.tr("&Scan"))
        self.act_scan = self._action(self.tr("&Scan"), self.start_scan, "Ctrl+R")
        self.act_resume = self._action(self.tr("&Resume the interrupted scan"), self.resume_scan, "Ctrl+Shift+S")
        self.act_cancel = self._action(self.tr("&Cancel"), self.cancel_job, "Ctrl+.")
        s.addActions([self.act_scan, self.act_resume, self.act_cancel])
        v = mb.addMenu(self.tr("&View"))
        self.act_refresh = self._action(self.tr("&Refresh"), self.refresh_views, QKeySequence.StandardKey.Refresh)
        self.act_clear = self._action(self.tr("Show identifiers in &clear"), self._clear_triggered, "Ctrl+Shift+M",
                                      checkable=True)
        v.addActions([self.act_refresh, self.act_clear])
        v.addAction(self.details_dock.toggleViewAction())
        lang = v.addMenu(self.tr("&Language"))
        group = QActionGroup(self)
        for code, name in (("fr", "Français"), ("en", "English")):
            a = self._action(name, lambda _c=False, code=code: self.switch_language(code), checkable=True)
            a.setChecked(code == self.language)
            group.addAction(a)
            lang.addAction(a)
        v.addSeparator()
        for i in range(self.tabs.count()):
            v.addAction(self._action(self.tabs.tabText(i), lambda _c=False, i=i: self.tabs.setCurrentIndex(i),
                                     f"Alt+{i + 1}"))
        r = mb.addMenu(self.tr("&Report"))
        self.act_export = self._action(self.tr("&Export…"), self.export_dialog, "Ctrl+E")
        self.act_open_pdf = self._action(self.tr("Open the PDF in the system viewer"), self.report_view.open_external)
        r.addActions([self.act_export, self.act_open_pdf])

    def _connect(self) -> None:
        w = self.start.welcome
        w.new_button.clicked.connect(self.new_case)
        w.open_button.clicked.connect(self.open_case_dialog)
        w.demo_button.clicked.connect(self.open_demo)
        w.recent.itemActivated.connect(lambda item: self.open_case(Path(item.data(Qt.ItemDataRole.UserRole))))
        c = self.start.case
        c.add_files.clicked.connect(self.add_files_dialog)
        c.add_folder.clicked.connect(self.add_folder_dialog)
        c.remove.clicked.connect(c.evidence.remove_selected)
        c.registry_button.clicked.connect(self.registry_dialog)
        c.rules_button.clicked.connect(self.rules_dialog)
        c.scan_button.clicked.connect(self.start_scan)
        c.resume_button.clicked.connect(self.resume_scan)
        c.cancel_button.clicked.connect(self.cancel_job)
        c.evidence.changed.connect(self._update_actions)
        self.report_view.export_button.clicked.connect(self.export_dialog)
        self.tree.expanded.connect(lambda idx: None)
        self.dashboard.establishmentSelected.connect(self.details.show_establishment)
        self.dashboard.establishmentActivated.connect(self.show_establishment_records)
        self.tabs.currentChanged.connect(self._tab_changed)
        for page in self._pages():
            page.view.doubleClicked.connect(lambda idx, page=page: self.open_row_item(page, idx.row()))
            page.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            page.view.customContextMenuRequested.connect(lambda pos, page=page: self._row_menu(page, pos))
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._tree_menu)

    # ================================================================== hooks (tests replace these)
    def exec_dialog(self, dialog: QDialog) -> int:
        return dialog.exec()

    def ask(self, title: str, text: str) -> bool:
        return QMessageBox.question(self, title, text) == QMessageBox.StandardButton.Yes

    def show_error(self, title: str, text: str, details: str = "") -> None:
        box = QMessageBox(QMessageBox.Icon.Critical, title, text, QMessageBox.StandardButton.Ok, self)
        box.setInformativeText(self.tr("Nothing was lost: the case folder keeps everything done so far."))
        if details:
            box.setDetailedText(details)
        box.exec()

    # ================================================================== case
    def new_case(self) -> None:
        dialog = NewCaseDialog(self)
        if self.exec_dialog(dialog) != QDialog.DialogCode.Accepted:
            return
        self.create_case(dialog.case_folder(), dialog.info())

    def create_case(self, folder: Path, info: dict[str, str]) -> bool:
        try:
            casedb.create_case(folder, info)
        except casedb.CaseOpenError as exc:
            self.show_error(self.tr("New case"), self.tr("The case could not be created: %1").replace("%1", str(exc)))
            return False
        return self.open_case(folder)

    def open_case_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Open a case folder"))
        if folder:
            self.open_case(Path(folder))

    def open_case(self, folder: Path) -> bool:
        if self.job is not None and self.job.isRunning():
            self.show_error(self.tr("Open a case"), self.tr("Wait for the running job to finish, or cancel it."))
            return False
        try:
            reader = casedb.open_case(folder)
        except casedb.CaseOpenError as exc:
            self.show_error(self.tr("Open a case"), self.tr("%1 is not a case folder: %2").replace("%1", str(folder))
                            .replace("%2", str(exc)))
            return False
        self._close_case()
        self.case_dir = Path(folder).resolve()
        self.reader = reader
        self.settings.add_recent(self.case_dir)
        inputs = self.settings.case_inputs(self.case_dir)
        reg = inputs.get("registry") or casedb.case_state(reader).meta.get("registry_path")
        self.registry_path = Path(reg) if reg and Path(reg).is_file() else None
        self.registry_chosen = False  # a registry loaded in the dialog since: it replaces the case's at the next scan
        self.user_rules = [(Path(p), bool(on)) for p, on in inputs.get("rules", [])]
        self.rule_defines = inputs.get("rule_defines") or ""
        if not self.user_rules:
            self.user_rules = [(p, True) for p in casedb.user_rule_paths(reader)]
        self.start.case.evidence.clear()
        self.start.case.evidence.add_paths([Path(e["path"]) for e in casedb.case_state(reader).evidence], scanned=True)
        self.start.case.evidence.add_paths([Path(p) for p in inputs.get("pending", [])])
        self._refresh_recent()
        self._apply_case()
        self._show_last_scan()
        self.refresh_views()
        return True

    def _show_last_scan(self) -> None:
        """The scan panel as the case's last scan left it (a finished case: full bar, "done"), not 0%."""
        panel = self.start.case.progress
        panel.reset()
        panel.masked = self.masked
        state = casedb.last_scan(self.reader) if self.reader is not None else None
        if state is not None:
            panel.update_progress(state)

    def _close_case(self) -> None:
        if self.case_dir is not None:
            self._save_inputs()
        self.dashboard.wait()  # its read of the case must end before the case is closed
        self.viewer.wait()
        if self._names_job is not None:
            self._names_job.wait()
            self._names_job = None
        for page in self._pages():
            old = page.model
            page.set_model(None)
            if old is not None:
                old.deleteLater()
        old_tree = self.tree.model()
        self.tree.setModel(None)
        if old_tree is not None:
            old_tree.deleteLater()
        self.viewer.clear()
        self.details.show_nothing()
        self._set_person_names(frozenset())  # after the views are emptied: nothing is redrawn from the closing case
        self.dashboard.clear()
        if self.reader is not None:
            self.reader.close()
        self.reader = None
        self.case_dir = None
        if not self.masked:  # an unmasking is logged in one case: the next case opens masked
            self._apply_masked(True)

    def _save_inputs(self) -> None:
        if self.case_dir is None:
            return
        self.settings.set_case_inputs(self.case_dir, {
            "registry": str(self.registry_path) if self.registry_path else None,
            "rules": [(str(p), on) for p, on in self.user_rules],
            "rule_defines": self.rule_defines,
            "pending": [str(p) for p in self.start.case.evidence.pending()]})

    def _apply_case(self) -> None:
        has_case = self.case_dir is not None
        self.start.setCurrentIndex(1 if has_case else 0)
        for i in range(1, self.tabs.count()):
            self.tabs.setTabEnabled(i, has_case)
        if has_case:
            self._show_case_info()
        self._update_actions()
        self.update_status()

    def _show_case_info(self) -> None:
        assert self.reader is not None and self.case_dir is not None
        meta = casedb.case_state(self.reader).meta
        esc = __import__("html").escape
        rows = [(self.tr("Case number"), meta.get("case_number", "")), (self.tr("Title"), meta.get("title", "")),
                (self.tr("Analyst"), meta.get("analyst", "")), (self.tr("Organisation"), meta.get("organisation", "")),
                (self.tr("Created"), utc_timestamp(meta.get("created_utc"))), (self.tr("Folder"), str(self.case_dir))]
        self.start.case.info.setText("<table>" + "".join(f"<tr><td><b>{esc(k)}</b>&nbsp;</td><td>{esc(v or '')}</td></tr>"
                                                         for k, v in rows) + "</table>")
        c = self.start.case
        kept = self._case_registry()
        if kept is not None and not self.registry_chosen:
            key = format_fingerprint(kept.key_id)[:27] + "…" if kept.key_id else "?"
            c.registry.setText(self.tr("%1, version %2, key %3 (kept in the case)").replace(
                "%1", kept.authority or "?").replace("%2", str(kept.version or "?")).replace("%3", key))
        elif self.registry_path is not None:
            c.registry.setText(str(self.registry_path) + (self.tr(" (replaces the case's registry at the next scan)")
                                                          if kept is not None else ""))
        else:
            c.registry.setText(self.tr("none: no beacon detection and no attribution by canary or watermark"))
        enabled = [p for p, on in self.user_rules if on]
        c.rules.setText(self.tr("bundled rules") + (self.tr(" + %Ln file(s) of your own", "", len(enabled))
                                                     if enabled else ""))

    def _refresh_recent(self) -> None:
        self.recent_menu.clear()
        lst = self.start.welcome.recent
        lst.clear()
        for p in self.settings.recent_cases():
            if not casedb.is_case(p):
                continue
            a = self.recent_menu.addAction(str(p))
            a.triggered.connect(lambda _c=False, p=p: self.open_case(p))
            lst.addItem(str(p))
            lst.item(lst.count() - 1).setData(Qt.ItemDataRole.UserRole, str(p))
        self.recent_menu.setEnabled(bool(self.recent_menu.actions()))

    # ================================================================== inputs
    def add_files_dialog(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, self.tr("Add evidence files"))
        self.add_evidence([Path(f) for f in files])

    def add_folder_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Add an evidence folder"))
        if folder:
            self.add_evidence([Path(folder)])

    def add_evidence(self, paths: list[Path]) -> int:
        if self.case_dir is None:
            return 0
        ok = []
        for p in paths:
            rp = Path(p).resolve()
            if self.case_dir == rp or self.case_dir.is_relative_to(rp) or rp.is_relative_to(self.case_dir):
                self.show_error(self.tr("Add evidence"),
                                self.tr("%1 holds the case folder or is inside it: choose another.").replace("%1", str(p)))
                continue
            ok.append(rp)
        n = self.start.case.evidence.add_paths(ok)
        self._save_inputs()
        return n

    def _case_registry(self):
        """The registry the open case keeps (engine.case_registry), or None."""
        from workbench.engine.case_registry import case_registry

        if self.reader is None or self.case_dir is None:
            return None
        return case_registry(casedb.case_state(self.reader).meta, self.case_dir)

    def registry_dialog(self) -> None:
        dialog = RegistryDialog(self, self.registry_path)
        if self.exec_dialog(dialog) == QDialog.DialogCode.Accepted and dialog.registry is not None:
            self.registry_path = Path(dialog.path.text())
            self.registry_chosen = True
            self._save_inputs()
            if self.case_dir is not None:
                self._show_case_info()

    def rules_dialog(self) -> None:
        dialog = RulesDialog(self, self.user_rules, self.rule_defines)
        if self.exec_dialog(dialog) == QDialog.DialogCode.Accepted:
            self.user_rules = dialog.user_rules()
            self.rule_defines = dialog.defines_text()
            self._save_inputs()
            if self.case_dir is not None:
                self._show_case_info()

    # ================================================================== jobs
    def _busy(self) -> bool:
        return self.job is not None  # until its outcome is handled on the UI thread (_job_finished)

    def _start_job(self, kind: str, fn, on_success) -> JobThread:
        """Run ``fn`` on a worker thread; ``on_success(result)`` runs on the UI thread once the thread has ended
        (``finished``), never from ``succeeded``, which can arrive while the thread is still alive."""
        job = JobThread(fn, kind, self)
        job.progressed.connect(self._progress)
        job.finished.connect(lambda job=job: self._job_finished(job))
        self.job, self.job_kind = job, kind
        self._on_success = on_success
        self.start.case.progress.reset()
        self.start.case.progress.masked = self.masked
        self._status_timer.start()
        job.start()
        self._update_actions()
        return job

    def _progress(self, p) -> None:
        if self.job is not None and self.sender() is self.job:  # a late signal of an ended job is dropped
            self.start.case.progress.update_progress(p)

    def _job_failed(self, kind: str | None, message: str, details: str) -> None:
        titles = {"scan": self.tr("Scan"), "demo": self.tr("Demo"), "export": self.tr("Export")}
        self.show_error(titles.get(kind or "", self.tr("Error")), message, details)

    def _job_finished(self, job: JobThread) -> None:
        if job is not self.job:  # an older job's late signal
            return
        job.wait()  # ``finished`` is emitted from the thread as it ends: let it end before acting
        self._status_timer.stop()
        kind, on_success = self.job_kind, self._on_success
        self.job_kind, self._on_success = None, None
        self.job = None
        self.start.case.progress.finish(cancelled=job.cancelled and job.error is None)
        if job.error is not None:
            self._job_failed(kind, job.error, job.details)
        elif job.cancelled and kind == "demo":
            self.start.case.info.setText(self.tr("The demo was cancelled: nothing was opened."))
        elif on_success is not None and (job.result is not None or not job.cancelled):
            on_success(job.result)
        job.deleteLater()
        self._update_actions()
        self.update_status()
        if kind == "scan" and self.case_dir is not None:
            self.refresh_views()

    def cancel_job(self) -> None:
        if self._busy():
            self.job.cancel()
            self.start.case.scan_state.setText(self.tr("Cancelling… the case keeps what was scanned."))

    def wait_job(self, ms: int = 600_000) -> bool:
        """Wait for the running job and deliver its signals (tests, closing)."""
        from PySide6.QtCore import QCoreApplication, QDeadlineTimer

        job = self.job
        if job is None:
            return True
        ok = job.wait(QDeadlineTimer(ms))
        for _ in range(3):
            QCoreApplication.processEvents()
        if ok and self.job is job:  # ``finished`` not delivered yet: deliver it now
            self._job_finished(job)
        return ok

    # ================================================================== scan
    def _scan_inputs_ok(self) -> bool:
        enabled = [p for p, on in self.user_rules if on]
        _n, _w, error = check_rules(enabled, self.rule_defines)
        if error is not None:
            where = f"{error.path}:{error.line}" if error.line is not None else str(error.path)
            self.show_error(self.tr("YARA rules"), self.tr("Compile error in %1: %2").replace("%1", where)
                            .replace("%2", error.message))
            return False
        return True

    def start_scan(self, *, resume: bool = False) -> bool:
        if self.case_dir is None or self._busy():
            return False
        paths = self.start.case.evidence.paths()
        if not paths:
            self.show_error(self.tr("Scan"), self.tr("Add the dump to scan first (files or folders)."))
            return False
        if not self._scan_inputs_ok():
            return False
        kept = self._case_registry()
        replace = kept is not None and self.registry_chosen and self.registry_path is not None
        if replace and not self.ask(self.tr("Scan"), self.tr("Replace the case's registry with the one you loaded? "
                                                             "Every item is scanned again and attributed anew.")):
            return False
        if self.registry_path is None and kept is None and not resume and not self.ask(
                self.tr("Scan"), self.tr("No registry is loaded: beacons will not be detected and records attributed "
                                         "only by identifiers. Scan anyway?")):
            return False
        from workbench.engine.pipeline import run_scan

        # The case's own registry unless another was chosen (the engine checks the choice and logs it).
        case, registry = self.case_dir, (self.registry_path if kept is None or replace else None)
        rules = [p for p, on in self.user_rules if on]
        defines = parse_defines(self.rule_defines.split())  # checked by _scan_inputs_ok
        jobs = self.jobs

        def scan(cancel, progress):
            return run_scan(case, paths, registry_path=registry, rule_paths=rules, jobs=jobs, progress=progress,
                            cancel=cancel, rule_defines=defines, replace_registry=replace)

        self._save_inputs()
        self.start.case.scan_state.setText(self.tr("Resuming the scan…") if resume else self.tr("Scanning…"))
        self._start_job("scan", scan, self._scan_done)
        return True

    def resume_scan(self) -> bool:
        return self.start_scan(resume=True)

    def _scan_done(self, summary) -> None:
        self.last_summary = summary
        # Each count is its own "%Ln" text (Qt allows one plural per text): "1 élément en erreur", "2 éléments".
        items = self.tr("%Ln item(s)", "", summary.items)
        if summary.completed:
            records = self.tr("%Ln record(s)", "", summary.records)
            errors = self.tr("%Ln item(s) in error", "", summary.errors)
            text = self.tr("Scan complete: %1, %2, %3, in %4 s.").replace("%2", records).replace("%3", errors) \
                .replace("%4", number(summary.elapsed_s))
        elif summary.cancelled:
            text = self.tr("Scan cancelled: %1 so far. Resume it to finish (done work is kept).")
        else:
            text = self.tr("Scan incomplete: %1. Resume it to finish.")
        self.start.case.scan_state.setText(text.replace("%1", items))
        self.start.case.evidence.clear()
        assert self.reader is not None
        self.start.case.evidence.add_paths([Path(e["path"]) for e in casedb.case_state(self.reader).evidence], scanned=True)
        self.registry_chosen = False  # the case now keeps the registry it was scanned with
        self._save_inputs()
        self._show_case_info()

    # ================================================================== demo
    def open_demo(self) -> bool:
        if self._busy():
            return False
        out = self.demo_folder
        if (out / "case").exists() and not self.ask(self.tr("Open the demo"),
                                                    self.tr("The demo in %1 will be built again. Continue?")
                                                    .replace("%1", str(out))):
            return False
        from workbench.demo import run_demo

        size, jobs = self.demo_size, self.jobs

        def demo(cancel, progress):
            return run_demo(out, size_bytes=size, jobs=jobs, progress=progress, cancel=cancel, pdf=True)

        if self.case_dir is not None:
            self._close_case()
            self._apply_case()
        self.tabs.setCurrentIndex(0)
        self.start.setCurrentIndex(1)
        self.start.case.info.setText(self.tr("Building the demo in %1…").replace("%1", str(out)))
        self._start_job("demo", demo, self._demo_done)
        return True

    def _demo_done(self, result) -> None:
        self.open_case(result.case)
        self.registry_path = result.registry
        self._save_inputs()
        self._show_case_info()
        if result.report_pdf:
            self.report_view.show_pdf(result.report_pdf)
        self.tabs.setCurrentWidget(self.dashboard)

    # ================================================================== views
    def refresh_views(self) -> None:
        if self.reader is None or self.case_dir is None:
            return
        old_tree = self.tree.model()
        tree = EvidenceTreeModel(self.reader, self.tree)
        tree.set_masked(self.masked)
        tree.set_names(self.person_names)
        self.tree.setModel(tree)
        if old_tree is not None:
            old_tree.deleteLater()
        self.tree.selectionModel().currentChanged.connect(self._tree_selected)
        for col, width in enumerate((290, 125, 75, 65, 80, 95)):
            self.tree.setColumnWidth(col, width)
        if self.tree.model().canFetchMore(QModelIndex()):
            self.tree.model().fetchMore(QModelIndex())
        if self.tree.model().rowCount() <= 3:  # open the evidence's first level
            for r in range(self.tree.model().rowCount()):
                self.tree.expand(self.tree.model().index(r, 0))
        pages = ((self.findings_page, findings_model, self._finding_selected),
                 (self.records_page, records_model, self._record_selected),
                 (self.beacons_page, beacons_model, self._beacon_selected),
                 (self.watermarks_page, watermarks_model, self._watermark_selected),
                 (self.identifiers_page, identifiers_model, None),
                 (self.errors_page, errors_model, None))
        for page, factory, slot in pages:
            old = page.model
            model = factory(self.reader, page.view)
            model.set_masked(self.masked)
            model.set_names(self.person_names)
            page.set_model(model)
            if old is not None:
                old.deleteLater()
            if slot is not None:
                page.view.selectionModel().currentRowChanged.connect(slot)
            if page.filter.text():
                page.apply_filter()
        state = casedb.case_state(self.reader)
        if state.records or state.items:
            self.dashboard.load(self.case_dir)
        if state.records:
            self._load_person_names()
        self._apply_case()

    def _load_person_names(self) -> None:
        """Read the case's people's names on a job thread; item paths are masked with them once read (until then,
        by their identifiers only)."""
        case_dir = self.case_dir
        job = JobThread(lambda cancel, progress: casedb.person_names(case_dir), "person-names", self)
        job.finished.connect(lambda job=job, case_dir=case_dir: self._person_names_read(job, case_dir))
        if self._names_job is not None:
            self._names_job.wait()
        self._names_job = job
        job.start()

    def _person_names_read(self, job: JobThread, case_dir: Path) -> None:
        job.wait()
        if job is self._names_job:
            self._names_job = None
            if job.error is None and job.result is not None and case_dir == self.case_dir:
                self._set_person_names(job.result)
            elif job.error is not None:  # the paths stay masked by their identifiers; the analyst is told why
                log.warning("names of the case's people not read (item paths masked by identifiers only): %s",
                            job.error)
        job.deleteLater()

    def _set_person_names(self, names: frozenset[str]) -> None:
        self.person_names = names
        for page in self._pages():
            if page.model is not None:
                page.model.set_names(names)
        if isinstance(self.tree.model(), EvidenceTreeModel):
            self.tree.model().set_names(names)
            self.tree.viewport().update()
        self.viewer.set_names(names)
        self.details.set_names(names)

    def _tree_selected(self, current: QModelIndex, _prev: QModelIndex) -> None:
        vpath = current.data(VPATH_ROLE) if current.isValid() else None
        focus, self._focus = self._focus, None
        if vpath and self.reader is not None and self.case_dir is not None:
            where = focus[1:] if focus is not None and focus[0] == vpath else None
            self.viewer.show_item(self.reader, self.case_dir, vpath, focus=where)

    # ================================================================== findings lead somewhere
    def open_item_at(self, vpath: str, offset: int | None = None, locator: str | None = None) -> bool:
        """The Evidence tab on one item, selected in the tree, its viewer placed at the hit (a byte offset or a
        record's locator)."""
        model = self.tree.model()
        if self.reader is None or self.case_dir is None or model is None:
            return False
        self._focus = (vpath, offset, locator)
        self.tabs.setCurrentWidget(self.evidence_split)
        idx = model.locate(vpath)
        if not idx.isValid():
            self._focus = None
            self.viewer.show_item(self.reader, self.case_dir, vpath, focus=(offset, locator))
            return True
        up = idx.parent()
        while up.isValid():
            self.tree.expand(up)
            up = up.parent()
        if self.tree.currentIndex() == idx:
            self._tree_selected(idx, idx)
        else:
            self.tree.setCurrentIndex(idx)
        self.tree.scrollTo(idx)
        return True

    def _row_value(self, page: TablePage, row: int, key: str):
        if page.model is None:
            return None
        keys = [c.key for c in page.model.columns]
        t = page.model.row_tuple(row)
        return t[keys.index(key) + 1] if t is not None and key in keys else None

    def open_row_item(self, page: TablePage, row: int) -> bool:
        """Double-click on a finding, record, beacon, watermark, identifier or error: open its item at the hit."""
        vpath = self._row_value(page, row, "item")
        if not vpath or self.reader is None:
            return False
        offset = locator = None
        if page is self.findings_page:
            where = finding_location(self.reader, page.model.row_id(row))
            if where is not None and where[2] == "raw":
                offset = where[1]
        elif page is self.identifiers_page:
            offset = self._row_value(page, row, "first_offset")
        else:
            locator = self._row_value(page, row, "locator")
        return self.open_item_at(vpath, offset, locator)

    def _shown_path(self, vpath: str) -> str:
        return mask_path(vpath, self.person_names) if self.masked else vpath

    def item_actions(self, vpath: str, menu: QMenu, open_it=None) -> None:
        """Open, copy path, copy hash, export: the same four for a table row and a tree item."""
        if open_it is not None:
            menu.addAction(self.tr("Open the item"), open_it)
        menu.addAction(self.tr("Copy the item's path"), lambda: QApplication.clipboard().setText(self._shown_path(vpath)))
        sha = item_sha256(self.reader, vpath) if self.reader is not None else None
        act = menu.addAction(self.tr("Copy the item's SHA-256"), lambda: QApplication.clipboard().setText(sha or ""))
        act.setEnabled(bool(sha))
        menu.addAction(self.tr("Export the item…"), lambda: self.export_item_dialog(vpath))

    def _row_menu(self, page: TablePage, pos) -> None:
        idx = page.view.indexAt(pos)
        vpath = self._row_value(page, idx.row(), "item") if idx.isValid() else None
        if not vpath:
            return
        menu = QMenu(self)
        self.item_actions(vpath, menu, lambda: self.open_row_item(page, idx.row()))
        menu.exec(page.view.viewport().mapToGlobal(pos))

    def _tree_menu(self, pos) -> None:
        idx = self.tree.indexAt(pos)
        vpath = idx.data(VPATH_ROLE) if idx.isValid() else None
        if not vpath or idx.data(ITEM_ID_ROLE) is None:
            return
        menu = QMenu(self)
        self.item_actions(vpath, menu, None)
        menu.exec(self.tree.viewport().mapToGlobal(pos))

    def export_item_dialog(self, vpath: str) -> None:
        name = vpath.rsplit("!/", 1)[-1].rsplit("/", 1)[-1] or "item"
        target, _ = QFileDialog.getSaveFileName(self, self.tr("Export the item"), name)
        if target:
            self.export_item(vpath, Path(target))

    def export_item(self, vpath: str, target: Path) -> bool:
        """The item's bytes, read again from the evidence, written to ``target`` (outside the case), and logged."""
        if self.reader is None or self.case_dir is None:
            return False
        try:
            written = export_item(self.reader, self.case_dir, vpath, target)
        except (ItemSourceError, OSError) as exc:
            self.show_error(self.tr("Export the item"), str(exc))
            return False
        self.start.case.scan_state.setText(self.tr("Item exported: %1").replace("%1", str(written)))
        return True

    def _tab_changed(self, index: int) -> None:
        """The details pane shows what is current in the tab in front (it kept the last tab's selection)."""
        widget = self.tabs.widget(index)
        if self.reader is None:
            return
        current = {self.findings_page: (self.findings_page, self._finding_selected),
                   self.records_page: (self.records_page, self._record_selected),
                   self.beacon_split: (self.beacons_page, self._beacon_selected)}.get(widget)
        if current is not None:
            page, slot = current
            idx = page.view.currentIndex()
            if page is self.beacons_page and not idx.isValid():
                page, slot = self.watermarks_page, self._watermark_selected
                idx = page.view.currentIndex()
            if idx.isValid():
                slot(idx, QModelIndex())
                return
        elif widget is self.dashboard:
            rows = self.dashboard.table.selectionModel().selectedRows()
            if rows and self.dashboard.report is not None:
                self.details.show_establishment(self.dashboard.report["establishments"][rows[0].row()])
                return
        self.details.show_nothing()

    def _row_id(self, page: TablePage, current: QModelIndex) -> int | None:
        return page.model.row_id(current.row()) if page.model is not None and current.isValid() else None

    def _finding_selected(self, current: QModelIndex, _p: QModelIndex) -> None:
        rid = self._row_id(self.findings_page, current)
        if rid is not None and self.reader is not None:
            self.details.show_finding(self.reader, rid)

    def _record_selected(self, current: QModelIndex, _p: QModelIndex) -> None:
        rid = self._row_id(self.records_page, current)
        if rid is not None and self.reader is not None:
            self.details.show_record(self.reader, rid)

    def _beacon_selected(self, current: QModelIndex, _p: QModelIndex) -> None:
        rid = self._row_id(self.beacons_page, current)
        if rid is not None and self.reader is not None:
            self.details.show_beacon(self.reader, rid)

    def _watermark_selected(self, current: QModelIndex, _p: QModelIndex) -> None:
        rid = self._row_id(self.watermarks_page, current)
        if rid is not None and self.reader is not None:
            self.details.show_watermark(self.reader, rid)

    def show_establishment_records(self, finess: str) -> None:
        """Dashboard drill-down: the records of one establishment, the condition written in the filter box so that
        the analyst sees what is applied and can clear it."""
        page = self.records_page
        if page.model is not None:
            page.filter.blockSignals(True)
            page.filter.setText(f"establishment:{finess}")
            page.filter.blockSignals(False)
            page.apply_filter()
            self.tabs.setCurrentWidget(page)

    def ask_unmasking(self) -> tuple[str, str] | None:
        """Who asks to see identifiers in clear, and why (None: cancelled). Tests replace this hook."""
        meta = casedb.case_state(self.reader).meta if self.reader is not None else {}
        dialog = UnmaskDialog(self, meta.get("analyst") or default_analyst())
        if self.exec_dialog(dialog) != QDialog.DialogCode.Accepted:
            return None
        return dialog.answer()

    def _clear_triggered(self, clear: bool) -> None:
        self.set_clear(clear)  # the action's slot; set_clear also answers whether identifiers are now in clear

    def set_clear(self, clear: bool) -> bool:
        """Ctrl+Shift+M. Showing identifiers in clear needs an open case, a name and a reason, written into the
        case's custody log first (:func:`workbench.engine.unmasking.record_unmasking`); masking again needs none."""
        if clear and self.masked:
            answer = self.ask_unmasking() if self.case_dir is not None else None
            if self.case_dir is None:
                self.show_error(self.tr("Show identifiers in clear"), self.tr("Open a case first: the unmasking is "
                                                                            "written into its custody log."))
            logged = False
            if answer is not None and self.case_dir is not None:
                try:
                    record_unmasking(self.case_dir, answer[0], answer[1], "window")
                    logged = True
                except (UnmaskingRefused, OSError) as exc:
                    self.show_error(self.tr("Show identifiers in clear"), str(exc))
            if not logged:
                self._apply_masked(True)
                return False
        self._apply_masked(not clear)
        return True

    def _apply_masked(self, masked: bool) -> None:
        self.masked = masked
        for page in self._pages():
            if page.model is not None:
                page.model.set_masked(self.masked)
        if isinstance(self.tree.model(), EvidenceTreeModel):
            self.tree.model().set_masked(self.masked)
            self.tree.viewport().update()
        self.viewer.set_masked(self.masked)
        self.details.set_masked(self.masked)
        self.start.case.progress.masked = self.masked
        if self.act_clear.isChecked() != (not masked):
            self.act_clear.blockSignals(True)
            self.act_clear.setChecked(not masked)
            self.act_clear.blockSignals(False)
        self.update_status()

    # ================================================================== report
    def export_dialog(self) -> None:
        if self.case_dir is None or self._busy():
            return
        known = (self.dashboard.report or {}).get("establishments", [])
        dialog = ExportDialog(self, self.case_dir / "reports", lang=self.language,
                              establishments=[(e["finess"], e.get("name")) for e in known])
        if self.exec_dialog(dialog) == QDialog.DialogCode.Accepted:
            self.export(dialog.options())

    def export(self, options: dict) -> bool:
        if self.case_dir is None or self._busy():
            return False
        from workbench.report.exports import write_reports

        case = self.case_dir

        def run(cancel, progress):
            return write_reports(case, **options)

        self.start.case.scan_state.setText(self.tr("Writing the report…"))
        self._start_job("export", run, self._export_done)
        return True

    def _export_done(self, written: dict) -> None:
        self.last_export = written
        self.start.case.scan_state.setText(self.tr("Report written: %1").replace("%1", ", ".join(str(p) for p in written.values())))
        if "pdf" in written:
            self.report_view.show_pdf(written["pdf"])
            self.tabs.setCurrentWidget(self.report_view)

    # ================================================================== comfort
    def switch_language(self, lang: str) -> None:
        if lang == self.language:
            return
        if self._busy():
            self.show_error(self.tr("Language"), self.tr("The language can be changed once the running job is done."))
            return
        self.settings.set_language(lang)
        self.language = lang
        install_language(lang)
        case = self.case_dir
        pending = self.start.case.evidence.pending()
        view = self._view_state()
        masked = self.masked  # same case, same analyst: an unmasking already logged stays in force
        self._close_case()
        old = self.centralWidget()
        self.removeDockWidget(self.details_dock)
        self.details_dock.deleteLater()
        self._build_ui()
        old.deleteLater()
        if case is not None:
            self.open_case(case)
            self.add_evidence(pending)
            self._restore_view_state(view)
        self._apply_masked(masked)

    def _pages(self) -> tuple[TablePage, ...]:
        return (self.findings_page, self.records_page, self.beacons_page, self.watermarks_page,
                self.identifiers_page, self.errors_page)

    def _view_state(self) -> dict:
        """What the analyst was looking at: the tab, each table's filter, condition and order."""
        pages = {}
        for name in ("findings_page", "records_page", "beacons_page", "watermarks_page", "identifiers_page",
                     "errors_page"):
            page = getattr(self, name, None)
            if page is None:
                continue
            header = page.view.horizontalHeader()
            pages[name] = {"filter": page.filter.text(),
                           "condition": page.model.condition if page.model is not None else None,
                           "sort": (header.sortIndicatorSection(), header.sortIndicatorOrder())}
        return {"tab": self.tabs.currentIndex(), "pages": pages}

    def _restore_view_state(self, view: dict) -> None:
        for name, st in view["pages"].items():
            page = getattr(self, name, None)
            if page is None or page.model is None:
                continue
            page.filter.blockSignals(True)
            page.filter.setText(st["filter"])
            page.filter.blockSignals(False)
            if st["filter"]:
                page.apply_filter()
            section, order = st["sort"]
            if 0 <= section < page.model.columnCount() and page.model.is_sortable(section):
                page.view.horizontalHeader().setSortIndicator(section, order)
                page.model.sort(section, order)
            page.update_count()
        self.tabs.setCurrentIndex(view["tab"])

    def _update_actions(self) -> None:
        busy = self._busy()
        has_case = self.case_dir is not None
        state = casedb.case_state(self.reader) if self.reader is not None else None
        pending = bool(self.start.case.evidence.pending())
        c = self.start.case
        can_scan = has_case and not busy and (pending or bool(state and state.interrupted) or
                                              bool(self.start.case.evidence.paths() and state and not state.items))
        can_resume = has_case and not busy and bool(state and state.interrupted)
        for w in (c.scan_button, self.act_scan):
            w.setEnabled(bool(can_scan))
        for w in (c.resume_button, self.act_resume):
            w.setEnabled(bool(can_resume))
        for w in (c.cancel_button, self.act_cancel):
            w.setEnabled(busy)
        for w in (self.act_add_files, self.act_add_folder, self.act_registry, self.act_rules, c.add_files,
                  c.add_folder, c.registry_button, c.rules_button, c.remove):
            w.setEnabled(has_case and not busy)
        for w in (self.act_export, self.report_view.export_button):
            w.setEnabled(has_case and not busy)
        for w in (self.act_new, self.act_open, self.act_demo, self.start.welcome.new_button,
                  self.start.welcome.open_button, self.start.welcome.demo_button):
            w.setEnabled(not busy)
        if has_case and not busy and state is not None and state.interrupted and not c.scan_state.text():
            c.scan_state.setText(self.tr("This case has an interrupted scan: Resume finishes it."))

    def update_status(self) -> None:
        if self.reader is None or self.case_dir is None:
            self.status_case.setText(self.tr("No case open"))
            self.status_evidence.setText("")
        else:
            state = casedb.case_state(self.reader)
            name = state.meta.get("case_number") or self.case_dir.name
            counts = ", ".join((self.tr("%Ln item(s)", "", state.items), self.tr("%Ln record(s)", "", state.records),
                                self.tr("%Ln finding(s)", "", state.findings), self.tr("%Ln error(s)", "", state.errors)))
            self.status_case.setText(self.tr("Case %1 — %2").replace("%1", name).replace("%2", counts))
            if self._busy():
                ev = self.tr("job running")
            elif state.interrupted:
                ev = self.tr("scan interrupted")
            elif state.evidence and all(e["unchanged"] for e in state.evidence):
                ev = self.tr("%Ln evidence item(s), verified unchanged", "", len(state.evidence))
            elif state.evidence:
                ev = self.tr("%Ln evidence item(s)", "", len(state.evidence))
            else:
                ev = self.tr("no evidence yet")
            self.status_evidence.setText(ev)
        self.status_mask.setText(self.tr("identifiers masked") if self.masked else self.tr("IDENTIFIERS IN CLEAR"))
        self.status_mask.setStyleSheet("" if self.masked else "color: #b00020; font-weight: bold")

    def _size_details(self) -> None:
        """The details pane about 32 characters wide: opened narrow it broke its words mid-word ("establish /
        ment"). An initial size, not a minimum (small screens can still shrink the window, the analyst the pane).
        """
        self.resizeDocks([self.details_dock], [self.details.fontMetrics().averageCharWidth() * DETAILS_CHARS],
                         Qt.Orientation.Horizontal)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        # Once, after the first show has laid the window out: before it the dock layout has no width to share
        # (resizeDocks in __init__ was lost: the pane opened about 100 px wide), and during it the layout's own
        # first pass may still give the dock its size hint.
        if self._details_width_pending:
            self._details_width_pending = False
            QTimer.singleShot(0, self, self._size_details)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._busy():
            if not self.ask(self.tr("Quit"), self.tr("A job is running. Cancel it and quit? A scan can be resumed later.")):
                event.ignore()
                return
            self.job.cancel()
            self.job.wait(30_000)
        self._save_inputs()
        self.settings.q.setValue("window/geometry", self.saveGeometry())
        self.settings.q.setValue("window/state", self.saveState())
        self._close_case()
        super().closeEvent(event)
