"""Start the clinic assistant web app: `python ui.py` (settings from CLINIC_* variables)."""

from __future__ import annotations


def main() -> None:
    """Wire settings into the web app and serve it."""
    from assistant.core.settings import load_settings
    from assistant.app.web.app import serve

    serve(load_settings())


if __name__ == "__main__":
    main()
