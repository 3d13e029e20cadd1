"""WSGI adapter (needs ``a2wsgi``) for gunicorn's sync/gthread workers, for comparison only:

    gunicorn -w 2 -k gthread --threads 4 'kb.api.wsgi:application'

The ASGI setup (``kb.api.asgi:app`` with uvicorn workers) is the recommended one: see
docs/api.md for the measurements. The lifespan warm-up does not run under WSGI.
"""

from a2wsgi import ASGIMiddleware

from kb.api.asgi import app

application = ASGIMiddleware(app)
