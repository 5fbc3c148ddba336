"""gunicorn settings used by scripts/serve. No access log: gunicorn's would write the client
address and user agent; the app logs requests itself, without either (server.privacy).
Every line, gunicorn's own included, goes through server.logs: no client address and no
request data reach the log, even for a malformed request."""

import os

# Files and folders the server makes are its user's only (explicit modes are set as well).
os.umask(0o077)

bind = os.environ.get("TIPLINE_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("TIPLINE_WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("TIPLINE_THREADS", "4"))
timeout = 120  # slow mobile uploads of an 8 MiB chunk
graceful_timeout = 30
keepalive = 5
accesslog = None
errorlog = "-"
loglevel = os.environ.get("TIPLINE_LOG_LEVEL", "info")
logger_class = "server.logs.PrivateGunicornLogger"
umask = 0o077
# Never trust X-Forwarded-For and friends: we do not want the client address even from a proxy.
forwarded_allow_ips = ""
proxy_allow_ips = ""
limit_request_field_size = 8190
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"class": "server.logs.ScrubbingFormatter",
                             "format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain", "stream": "ext://sys.stderr"}},
    "root": {"handlers": ["stderr"], "level": "WARNING"},
    "loggers": {
        "gunicorn.error": {"handlers": ["stderr"], "level": loglevel.upper(), "propagate": False},
        "gunicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
        "tipline": {"handlers": ["stderr"], "level": loglevel.upper(), "propagate": False},
    },
}
# gunicorn 25+ opens a control socket in the home directory; the tip line does not need one.
control_socket_disable = True


def pre_request(worker, req):
    """Lets the app close a connection whose body it chose not to read (server.keepalive)."""
    from server import keepalive

    keepalive.bind(req)
