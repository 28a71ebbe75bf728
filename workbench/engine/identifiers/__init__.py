"""engine/identifiers."""
