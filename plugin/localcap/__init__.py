"""localcap: a REDCap-compatible API server (Flask, SQLite) that speaks REDCap's POST API.

``create_app(db_path, super_token=...)`` builds the app; ``serve_in_thread(app)`` runs it on a
free loopback port and returns a :class:`RunningServer` whose ``url`` PyCap can use.
"""

from plugin.localcap.app import create_app
from plugin.localcap.project_info import VERSION
from plugin.localcap.server import RunningServer, serve_in_thread
from plugin.localcap.storage import set_production

__all__ = ["VERSION", "RunningServer", "create_app", "serve_in_thread", "set_production"]
