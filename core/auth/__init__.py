"""Serving a team: the sign-in list (users), wrong-password throttling (throttle) and the export audit log (audit)."""
