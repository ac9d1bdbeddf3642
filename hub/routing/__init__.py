"""Walking routes to shelters through an OSRM-compatible router."""
