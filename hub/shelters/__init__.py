"""Shelters: the table, public reads, live status and occupancy, nearest by metres."""
