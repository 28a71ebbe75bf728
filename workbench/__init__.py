"""Balise Workbench: triage of leaked health-data dumps (Qt-free core + thin shells)."""

__version__ = "0.1.0"
TOOL_NAME = "Balise Workbench"
