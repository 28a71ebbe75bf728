"""engine/archives."""
