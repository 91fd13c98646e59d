"""Safety: the deterministic screen every message passes before any retrieval."""
