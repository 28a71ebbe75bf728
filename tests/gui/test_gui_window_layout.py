"""The details pane's first width: about 32 characters once the window shows (words no longer broken mid-word),
never a minimum, and a saved layout wins over it."""

from __future__ import annotations

from PySide6.QtCore import Qt


def _chars(w) -> float:
    return w.details_dock.width() / w.details.fontMetrics().averageCharWidth()


def test_details_pane_opens_about_32_characters_wide(qtbot, settings):
    from workbench.gui.window import MainWindow

    w = MainWindow(settings, language="en")
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    qtbot.waitUntil(lambda: _chars(w) >= 30, timeout=2000)
    assert _chars(w) < 50  # an initial width, not half the window
    assert w.details_dock.minimumWidth() < w.details.fontMetrics().averageCharWidth() * 30  # no minimum width
    w.resize(771, 555)
    qtbot.waitUntil(lambda: w.width() == 771)  # small screens can still shrink the window


def test_saved_layout_wins_over_the_first_width(qtbot, settings):
    from workbench.gui.window import MainWindow

    w = MainWindow(settings, language="en")
    qtbot.addWidget(w)
    w.resize(780, 560)  # within the offscreen platform's 800 x 600 screen: restored as it was
    w.show()
    qtbot.waitExposed(w)
    wide = w.details.fontMetrics().averageCharWidth() * 20  # narrower than the first width: the analyst chose it
    w.resizeDocks([w.details_dock], [wide], Qt.Orientation.Horizontal)
    qtbot.waitUntil(lambda: abs(w.details_dock.width() - wide) <= 10, timeout=2000)
    w.close()
    w2 = MainWindow(settings, language="en")
    qtbot.addWidget(w2)
    w2.show()
    qtbot.waitExposed(w2)
    qtbot.wait(50)
    assert abs(w2.details_dock.width() - wide) <= 10, (w2.details_dock.width(), wide)


def test_language_switch_keeps_a_readable_pane(qtbot, settings):
    from workbench.gui.window import MainWindow

    w = MainWindow(settings, language="en")
    qtbot.addWidget(w)
    w.resize(1400, 900)
    w.show()
    qtbot.waitExposed(w)
    w.switch_language("fr")
    qtbot.waitUntil(lambda: _chars(w) >= 30, timeout=2000)
