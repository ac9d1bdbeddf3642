"""Mapbox vector tiles of the hub's live and reference layers."""
