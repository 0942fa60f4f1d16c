"""localcap: a REDCap-compatible API server (Flask, SQLite) that speaks REDCap's POST API.

``create_app(db_path, super_token=...)`` builds the app; ``serve_in_thread(app)`` runs it on a
free loopback port and returns a :class:`RunningServer` whose ``url`` PyCap can use. The names
are imported on first use (:mod:`plugin.lazy`): a client of localcap's admin interface does not
load the server.
"""

from typing import TYPE_CHECKING

from plugin.lazy import exports

if TYPE_CHECKING:
    from plugin.localcap.app import create_app
    from plugin.localcap.project_info import VERSION
    from plugin.localcap.server import RunningServer, serve_in_thread
    from plugin.localcap.storage import set_production

__all__ = ["VERSION", "RunningServer", "create_app", "serve_in_thread", "set_production"]

__getattr__ = exports(
    __name__,
    {
        "create_app": "plugin.localcap.app",
        "VERSION": "plugin.localcap.project_info",
        "RunningServer": "plugin.localcap.server",
        "serve_in_thread": "plugin.localcap.server",
        "set_production": "plugin.localcap.storage",
    },
)
