# gunicorn settings for civicfund's web process, loaded by path:
#   gunicorn -c platform/gunicorn.conf.py web.wsgi:app
# A plain config file, not a module anything imports: platform/ must never become a Python
# package (it would shadow the standard library's `platform`).
import os

# Loopback by default. CIVICFUND_BIND (host:port) wins; otherwise $PORT on 127.0.0.1.
# Inside a container or behind a platform router set CIVICFUND_BIND=0.0.0.0:$PORT explicitly.
bind = os.environ.get("CIVICFUND_BIND") or f"127.0.0.1:{os.environ.get('PORT') or '8000'}"

# Each worker process builds its own Platform (database engines and pools), so nothing
# opened before the fork is shared: do not turn preload_app on.
workers = int(os.environ.get("CIVICFUND_WEB_WORKERS") or os.environ.get("WEB_CONCURRENCY") or 2)
threads = int(os.environ.get("CIVICFUND_WEB_THREADS") or 1)
worker_class = "gthread" if threads > 1 else "sync"
preload_app = False

timeout = int(os.environ.get("CIVICFUND_WEB_TIMEOUT") or 30)
graceful_timeout = 20
keepalive = 5

# Only trust X-Forwarded-* from a proxy on this machine unless told otherwise.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("CIVICFUND_LOG_LEVEL", "info")
proc_name = "civicfund-web"

# gunicorn >= 25 opens a control socket at one fixed path per user (~/.gunicorn/gunicorn.ctl), so
# two instances on one machine collide. Off unless a path is given; older gunicorn ignores both.
if os.environ.get("CIVICFUND_CONTROL_SOCKET"):
    control_socket = os.environ["CIVICFUND_CONTROL_SOCKET"]
else:
    control_socket_disable = True
