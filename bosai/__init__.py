"""Bosai Hub composition root: the `bosai` command and the full web application."""
