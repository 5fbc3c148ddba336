"""Entry point for gunicorn: ``gunicorn -c server/gunicorn_conf.py server.wsgi:app``."""

from .app import create_app

app = create_app()
