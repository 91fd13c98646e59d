"""The application: the composition root, use-cases, the command line and the web app."""
