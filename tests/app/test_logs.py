"""Log redaction works for every logger: child loggers, uvicorn's, exceptions, the last resort."""

from __future__ import annotations

import subprocess
import sys
import textwrap

SECRET = "jo.bloggs@example.com"


def run_python(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=60, check=True
    )
    return done.stdout + done.stderr


def test_cli_logging_redacts_child_loggers_exceptions_and_the_last_resort():
    out = run_python(
        f"""
        import logging
        from assistant.app.logs import configure_logging
        configure_logging("WARNING")
        logging.getLogger("assistant.answering.pipeline").warning("question from %s", "{SECRET}")
        try:
            raise ValueError("bad input from {SECRET} on 07700 900123")
        except ValueError:
            logging.getLogger("some.library").exception("failed")
        logging.getLogger().handlers.clear()  # nothing left: the last-resort handler prints
        logging.getLogger("chromadb.deep.child").error("last resort {SECRET}")
        """
    )
    assert SECRET not in out and "07700 900123" not in out, out
    assert out.count("[EMAIL]") == 3 and "[PHONE]" in out and "Traceback" in out


def test_the_web_app_log_config_redacts_uvicorn_and_access_lines():
    out = run_python(
        f"""
        import logging, logging.config
        from assistant.app.logs import log_config
        logging.config.dictConfig(log_config("INFO"))
        logging.getLogger("uvicorn.error").warning("client said {SECRET}")
        logging.getLogger("uvicorn.access").info(
            '%s - "%s %s HTTP/%s" %d', "203.0.113.9:5123", "GET", "/api/search?q={SECRET}", "1.1", 200
        )
        logging.getLogger("assistant.app.web.api").warning("answer failed for {SECRET}")
        """
    )
    assert SECRET not in out and "203.0.113.9" not in out, out
    assert out.count("[EMAIL]") == 3 and "[IP]" in out
