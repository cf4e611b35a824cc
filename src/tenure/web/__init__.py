"""Tenure's web app and REST API (FastAPI, Jinja2 + HTMX pages, vendored ECharts).

>>> from tenure.web import create_app          # doctest: +SKIP
>>> app = create_app(store)                    # doctest: +SKIP
"""

from tenure.web.app import create_app

__all__ = ["create_app"]
