"""Item models over the case store: lazy, windowed, read-only."""
