"""Projects models (owned by the projects feature)."""
