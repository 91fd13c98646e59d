"""The clinic assistant, one subpackage per stage of the pipeline.

- ``core``: typed records, settings, the product's words (prompts) and text helpers;
- ``retrieval``: the embedding model, the Chroma store and hybrid search;
- ``safety``: the screen every message passes first (triage, guards, redaction);
- ``answering``: cited answers from retrieved passages (extractive, or an LLM);
- ``app``: the application: composition root, use-cases, the CLI and the web app.

Articles get into the store through the top-level ``ingest`` package, which only
the application layer calls.
"""
