"""The web app: a visitor chat, an embeddable widget, a reception console and a JSON API."""
