"""Entry point for gunicorn: ``gunicorn -c server/gunicorn_conf.py server.wsgi:app``."""

import os

from .app import create_app

os.umask(0o077)  # also under another WSGI server: the data is the server user's only
app = create_app()
