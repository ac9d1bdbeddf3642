"""River gauges: stations, readings, levels and thresholds, public reads."""
