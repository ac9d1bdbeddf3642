"""Open data: CSV/GeoJSON downloads and OGC API – Features."""
