"""Exports of a case for other tools: STIX 2.1, MISP, CASE/UCO, DFXML and bulk_extractor-style feature files.

A small registry (:mod:`workbench.exports.registry`): each format lives in its own module with
``write(source, out) -> list[Path]``, and :func:`export_case` is the one door the command line (``balise export``)
and scripts go through. Every export reads the case through its reading API (:class:`CaseReader` and the typed
report model), masks identifiers unless asked (``unmasked`` needs a reason), and is logged in the custody chain
with the SHA-256 of each file written, so an export handed to a CERT can be matched to the case it came from.
"""

from __future__ import annotations

from workbench.exports.registry import FORMATS, export_case, writer
from workbench.exports.source import ExportError, ExportOptions, ExportResult, ExportSource

__all__ = ["FORMATS", "ExportError", "ExportOptions", "ExportResult", "ExportSource", "export_case", "writer"]
