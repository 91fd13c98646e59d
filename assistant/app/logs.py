"""The application's logging: one configuration, every handler redacting personal details.

Filters on a logger do not see records that propagate from its children, so the
redaction sits on the handlers: every record from every logger (ours, uvicorn's,
libraries') passes it on its way out. ``logging.lastResort`` is covered too.
"""

from __future__ import annotations

import logging
from typing import Any

from assistant.safety.privacy import RedactingFilter

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def log_config(level: str = "INFO") -> dict[str, Any]:
    """A ``logging.config.dictConfig`` dictionary, also given to uvicorn as its ``log_config``."""
    level = level.upper()
    handler = {
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stderr",
        "formatter": "plain",
        "filters": ["redact"],
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"redact": {"()": RedactingFilter}},
        "formatters": {"plain": {"format": FORMAT}},
        "handlers": {"stderr": handler},
        "root": {"handlers": ["stderr"], "level": level},
        "loggers": {
            # uvicorn's own handlers would skip the filter: route its loggers through ours
            "uvicorn": {"handlers": ["stderr"], "level": level, "propagate": False},
            "uvicorn.error": {"handlers": [], "level": level, "propagate": True},
            "uvicorn.access": {"handlers": ["stderr"], "level": level, "propagate": False},
        },
    }


def configure_logging(level: str = "WARNING") -> None:
    """One redacting stderr handler on the root logger (added once), and a redacting filter on
    every handler already there and on the last-resort handler."""
    import sys

    root = logging.getLogger()
    if not any(getattr(h, "clinic_assistant", False) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(FORMAT))
        handler.clinic_assistant = True
        root.addHandler(handler)
    root.setLevel(level.upper())
    handlers = [*root.handlers, *([logging.lastResort] if logging.lastResort is not None else [])]
    for handler in handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
