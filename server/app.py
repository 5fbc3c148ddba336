"""The app factory."""

from __future__ import annotations

import logging

from flask import Flask

from . import errors, keepalive, privacy
from .blobs import BlobStore
from .config import Settings
from .context import Services, close_session
from .db import make_engine, make_sessionmaker
from .ids import IdConverter, IndexConverter
from .keybundle import KeyBundleSource
from .web import StaticPathConverter
from .migrations.runner import check_current


def create_app(settings: Settings | None = None, *, check_schema: bool | None = None, announce: bool = True) -> Flask:
    """Build the app. ``announce=False`` (the admin CLI) keeps startup notices out of the way."""
    settings = settings or Settings.from_env()
    app = Flask(__name__, static_folder=None)
    # Werkzeug enforces this before a view reads anything; routes apply tighter limits.
    app.config["MAX_CONTENT_LENGTH"] = max(settings.max_direct_put_bytes, settings.max_chunk_bytes) + 1024
    app.config["SECRET_KEY"] = None  # no Flask session, hence no cookie, ever
    app.url_map.converters["id"] = IdConverter
    app.url_map.converters["index"] = IndexConverter
    app.url_map.converters["static"] = StaticPathConverter
    # Same-origin API, no CORS: OPTIONS is not a method of any route (405 like any other).
    app.config["PROVIDE_AUTOMATIC_OPTIONS"] = False
    app.json.sort_keys = False

    engine = make_engine(settings.database_url, time_resolution=settings.time_resolution)
    if settings.check_schema if check_schema is None else check_schema:
        check_current(engine, settings.database_url)
    app.extensions["tipline"] = Services(
        settings=settings,
        engine=engine,
        sessions=make_sessionmaker(engine),
        blobs=BlobStore(settings.blob_dir, time_resolution=settings.time_resolution),
        key_bundle=KeyBundleSource(settings.keys_dir, settings.origin, announce=announce),
    )
    app.teardown_appcontext(close_session)
    errors.register(app)
    privacy.register(app)
    keepalive.register(app, app.config["MAX_CONTENT_LENGTH"])

    from .citizen import bp as citizen_bp
    from .operator import bp as operator_bp
    from .web import bp as web_bp

    app.register_blueprint(citizen_bp, url_prefix="/api/v1")
    app.register_blueprint(operator_bp, url_prefix="/api/operator/v1")
    app.register_blueprint(web_bp)
    logging.getLogger("tipline").setLevel(logging.INFO)
    return app
