"""Entity tags of versioned resources: ETag W/"version" out, If-Match in (412 stale, 428 missing)."""

from __future__ import annotations

from hub.api.problems import ProblemError


def version_etag(version: int) -> str:
    """The ETag of a resource at this version."""
    return f'W/"{version}"'


def if_match_versions(header: str | None, *, required: bool = True) -> frozenset[int] | None:
    """The versions named by If-Match (weak comparison); 428 when missing or '*' and required.

    Tags that are not version numbers match nothing, so the caller answers 412.
    """
    if header is None or header.strip() in ("", "*"):
        if not required:
            return None
        raise ProblemError(
            428,
            'send If-Match with the ETag you last read (e.g. If-Match: W/"3") to avoid overwriting a newer change',
            problem_type="urn:bosai:problem:if-match-required",
        )
    versions = set()
    for tag in header.split(","):
        opaque = tag.strip().removeprefix("W/").strip('"')
        if opaque.isdigit():
            versions.add(int(opaque))
    return frozenset(versions)
