"""Answering: cited answers built from retrieved passages, by quoting or by an LLM whose output is checked."""
