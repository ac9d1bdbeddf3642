"""Serving a package's static directory: URL paths resolved to files that cannot escape it."""

from __future__ import annotations

from pathlib import Path


def file_under(root: Path, relative: str) -> Path | None:
    """The file under `root` for a URL path, or None when it is missing or resolves outside `root`."""
    if not relative or "\\" in relative or "\x00" in relative:
        return None
    candidate = (root / relative).resolve()
    if not candidate.is_relative_to(root) or not candidate.is_file():
        return None
    return candidate
