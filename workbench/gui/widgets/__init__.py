"""Views and panels of the main window."""
