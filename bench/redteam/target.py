"""The assistant's Python entry point as a garak `function` target (offline red-team runs).

garak calls ``respond(prompt)`` and reads the returned list of replies. The
assistant runs with its defaults on the bundled corpus, in a temporary store.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

_assistant = None


def _get():
    global _assistant
    if _assistant is None:
        from assistant.app import operations
        from assistant.app.services import Services
        from assistant.core.settings import Settings

        data = Path(os.environ.get("CLINIC_REDTEAM_DATA_DIR") or tempfile.mkdtemp(prefix="clinic-redteam-"))
        services = Services(Settings(data_dir=data, _env_file=None))
        operations.ensure_ingested(services, notify=lambda m: None)
        _assistant = services.assistant
    return _assistant


def respond(prompt: str, **kwargs) -> list[str]:
    """One reply from the assistant for a red-team prompt."""
    return [_get().ask(prompt).text()]
