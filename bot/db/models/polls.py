"""Polls models (owned by the polls feature)."""
