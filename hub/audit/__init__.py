"""The audit log: recording and searching staff changes."""
