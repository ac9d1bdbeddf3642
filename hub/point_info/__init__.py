"""What is here: areas, hazards, past floods, orders and suggested shelters at a point."""
