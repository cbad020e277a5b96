"""The WSGI entry point for gunicorn: `gunicorn -c platform/gunicorn.conf.py web.wsgi:app`.

Settings come from the environment (CIVICFUND_*); see platform/README.md.
"""

from web.app import create_app

app = create_app()
