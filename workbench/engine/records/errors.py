"""The one exception record parsers raise on corrupt or unsupported input (the pipeline records it)."""


class RecordsError(Exception):
    """An item's records could not be parsed (corrupt, truncated, oversized or not what its kind said)."""
