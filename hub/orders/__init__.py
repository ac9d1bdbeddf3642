"""Evacuation orders: four-eyes workflow, areas, whom an order reaches, and the events it emits."""
