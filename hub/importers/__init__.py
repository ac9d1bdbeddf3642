"""Importers of open data files (shelters, stations, areas, rivers, hazard zones) and their staff upload API."""
