"""Server-rendered pages (Jinja2 + HTMX); one module per page."""

from tenure.web.pages import at_risk, cohorts, customers, imports, login, overview, settings, status, unsubscribe

routers = [
    login.router,
    overview.router,
    cohorts.router,
    customers.router,
    at_risk.router,
    settings.router,
    imports.router,
    status.router,
    unsubscribe.router,
]

__all__ = ["routers"]
