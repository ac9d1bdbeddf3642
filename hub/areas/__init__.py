"""Administrative areas: wards and town blocks."""
