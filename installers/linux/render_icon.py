#!/usr/bin/env python3
"""Render resources/icons/balise.svg to balise.png (256 px, Linux desktop entry) and balise.ico (Windows).

    python installers/linux/render_icon.py OUT_DIR
Uses Qt's SVG renderer offscreen and Pillow for the multi-size .ico; run at build time (`make app`).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def render(svg: Path, out_dir: Path, size: int = 256) -> tuple[Path, Path]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PIL import Image
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"not a valid SVG: {svg}")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    renderer.render(painter)
    painter.end()
    out_dir.mkdir(parents=True, exist_ok=True)
    png = out_dir / "balise.png"
    if not image.save(str(png), "PNG"):
        raise SystemExit(f"cannot write {png}")
    ico = out_dir / "balise.ico"
    Image.open(png).save(ico, sizes=[(16, 16), (32, 32), (48, 48), (64, 64), (128, 128), (256, 256)])
    return png, ico


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "build" / "icons"
    for p in render(ROOT / "workbench" / "resources" / "icons" / "balise.svg", out):
        print(p)
