"""The HTTP API: app factory, dependencies and routers."""
