"""The staff console at /staff: a static single-page app that works only through the hub API."""
