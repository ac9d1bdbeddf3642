"""Local stand-ins for services we cannot reach here (push services, LINE), speaking their real protocols."""
