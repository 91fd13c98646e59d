"""Start the clinic assistant web app: `python ui.py` (settings from CLINIC_* variables)."""

from __future__ import annotations


def main() -> None:
    """Compose the services from the settings and serve the web app."""
    from assistant.app.services import Services
    from assistant.app.web.app import serve
    from assistant.core.settings import load_settings

    serve(Services(load_settings()))


if __name__ == "__main__":
    main()
