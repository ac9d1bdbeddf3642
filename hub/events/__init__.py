"""The event log: what changed, for the console's live stream."""
