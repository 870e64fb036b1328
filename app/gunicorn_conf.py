"""gunicorn settings shared by `make run`, the live test server and benchmarks."""

import os

worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# Long enough for a slow upload on a weak connection, short enough to free stuck workers.
timeout = 60
graceful_timeout = 20
keepalive = 5
# An access log on stdout unless told otherwise (GUNICORN_ACCESS_LOG=/path, or "" for
# none); one-time tokens in paths are redacted (app/gunicorn_logging.py).
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
logger_class = "app.gunicorn_logging.RedactingLogger"
errorlog = "-"
# Forwarded headers are handled by the app (PROXY_COUNT), not by gunicorn.
forwarded_allow_ips = "127.0.0.1"
# gunicorn's control socket is one fixed path per user (~/.gunicorn/gunicorn.ctl): several
# instances on one machine (the cluster, parallel test servers) would take it from each
# other, and nothing here uses it.
control_socket_disable = True
