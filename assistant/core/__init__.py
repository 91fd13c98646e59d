"""Core records, settings, protocols, the product's words and text helpers: every other part builds on these."""
