"""Hazard geography: hazard zones, inundation history, rivers, their codes and GeoJSON layers."""
