"""User-facing text, in Simplified Chinese, one module per area."""
