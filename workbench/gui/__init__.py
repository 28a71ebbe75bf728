"""The workbench window (PySide6). Calls the same Qt-free core as the CLI and holds no business logic.

Layout: ``app`` (entry point), ``window`` (the main window), ``jobs`` (core calls off the UI thread),
``models`` (item models over the case store), ``widgets`` (views and panels), ``dialogs``.
"""
