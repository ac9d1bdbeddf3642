"""Data uploads for staff: preview what an import would change (rolled back), or import it (committed)."""

from __future__ import annotations

import logging
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from sqlalchemy.orm import Session

from hub.api.deps import SessionDep
from hub.api.problems import ProblemError
from hub.api.security import Principal, PrincipalDep, client_addr
from hub.audit import service as audit
from hub.hazards.models import HAZARD_ZONE_KINDS
from hub.importers.common import ImportRejected, ImportReport, RowError
from hub.importers.hazard import HazardFields
from hub.importers.hazard_files import SOURCE_FORMATS, HazardImportOptions, import_hazard_file
from hub.importers.shelters import import_shelters

router = APIRouter(prefix="/api/imports", tags=["imports"])
log = logging.getLogger(__name__)
#: Roles that may load data files (coordinator and above; viewers and operators may not).
IMPORT_ROLES = frozenset({"coordinator", "approver", "admin"})
#: Row errors returned in one answer (the count is always complete).
MAX_ERRORS_RETURNED = 500
#: A zipped Shapefile may expand to at most this many bytes (zip-bomb guard).
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
SHELTER_SUFFIXES = frozenset({".csv", ".geojson", ".json"})
HAZARD_SUFFIXES = frozenset({".geojson", ".json", ".zip"})
SHAPEFILE_MEMBERS = frozenset({".shp", ".shx", ".dbf", ".prj", ".cpg"})
SAFE_NAME = re.compile(r"[^\w.\-]+")
#: What a parser raises on a malformed file it did not anticipate; reported as a refusal, not a 500.
MALFORMED = (ValueError, TypeError, KeyError, AttributeError, IndexError)
HazardFormat = Literal[SOURCE_FORMATS]  # type: ignore[valid-type]
HazardKind = Literal[HAZARD_ZONE_KINDS]  # type: ignore[valid-type]
Upload = Annotated[UploadFile, File(description="the data file")]
SkipInvalid = Annotated[bool, Form(description="import the good rows and skip the bad ones")]
Load = Callable[[Session, Path], ImportReport]


def require_importer(principal: PrincipalDep) -> Principal:
    """Coordinators, approvers and admins; 403 for everyone else (and for shelter links)."""
    if principal.link_shelter_id is not None or IMPORT_ROLES.isdisjoint(principal.roles):
        raise ProblemError(
            403,
            "loading data files needs the coordinator, approver or admin role",
            problem_type="urn:bosai:problem:forbidden-role",
        )
    return principal


ImporterDep = Annotated[Principal, Depends(require_importer)]


def error_view(error: RowError) -> dict[str, Any]:
    """One row error as JSON."""
    return {"file": error.file, "row": error.row, "field": error.field, "reason": error.reason}


def safe_name(filename: str | None, allowed: frozenset[str]) -> str:
    """The upload's base name made safe for a file system; 422 for an unsupported extension."""
    base = SAFE_NAME.sub("_", Path(filename or "").name).strip("._") or "upload"
    suffix = Path(base).suffix.lower()
    if suffix not in allowed:
        raise ProblemError(
            422,
            f"unsupported file type {suffix or '(none)'}: use {', '.join(sorted(allowed))}",
            errors=[{"field": "file", "message": "unsupported file type"}],
        )
    return base


def _unzip_shapefile(archive: Path, into: Path) -> Path:
    """Extract the Shapefile parts of a zip (flattened, names sanitised); the path of its .shp."""
    try:
        with zipfile.ZipFile(archive) as zf:
            members = [m for m in zf.infolist() if Path(m.filename).suffix.lower() in SHAPEFILE_MEMBERS]
            if sum(m.file_size for m in members) > MAX_UNZIPPED_BYTES:
                raise ImportRejected([RowError(archive.name, None, None, "the zip expands to more than 200 MB")])
            for member in members:
                target = into / SAFE_NAME.sub("_", Path(member.filename).name)
                target.write_bytes(zf.read(member))
    except zipfile.BadZipFile:
        raise ImportRejected([RowError(archive.name, None, None, "not a zip archive")]) from None
    shapes = sorted(into.glob("*.shp"))
    if len(shapes) != 1:
        reason = "no .shp file in the zip" if not shapes else "more than one .shp file in the zip"
        raise ImportRejected([RowError(archive.name, None, None, reason)])
    return shapes[0]


@contextmanager
def malformed_as_rejection(name: str) -> Iterator[None]:
    """Turn a parser crash on a malformed upload into an ImportRejected naming the file (logged with its trace)."""
    try:
        yield
    except ImportRejected:
        raise
    except MALFORMED as exc:
        log.warning("importer failed on malformed upload %s", name, exc_info=True)
        raise ImportRejected([RowError(name, None, None, f"the file is malformed: {exc}")]) from None


@contextmanager
def stored_upload(upload: UploadFile, allowed: frozenset[str]) -> Iterator[Path]:
    """The upload written to a private temporary directory under its (safe) original name."""
    name = safe_name(upload.filename, allowed)
    with tempfile.TemporaryDirectory(prefix="bosai-import-") as tmp:
        path = Path(tmp) / name
        with path.open("wb") as out:
            while chunk := upload.file.read(1 << 20):
                out.write(chunk)
        if path.suffix.lower() == ".zip":
            unpacked = Path(tmp) / "unzipped"
            unpacked.mkdir()
            yield _unzip_shapefile(path, unpacked)
        else:
            yield path


@dataclass(frozen=True)
class Outcome:
    """The result of running an importer: its report, or the errors that refused the file."""

    report: ImportReport | None
    errors: list[RowError]


def report_view(kind: str, file: str, outcome: Outcome, *, committed: bool, skip_invalid: bool) -> dict[str, Any]:
    """What an import did or would do, as JSON."""
    report = outcome.report
    errors = outcome.errors if report is None else report.skipped
    refused = report is None or (bool(errors) and not skip_invalid)
    return {
        "kind": kind,
        "file": file,
        "committed": committed,
        "refused": refused,
        "rows": report.rows if report else 0,
        "inserted": report.inserted if report else 0,
        "updated": report.updated if report else 0,
        "unchanged": report.unchanged if report else 0,
        "deleted": int(getattr(report, "deleted", 0) or 0),
        "error_count": len(errors),
        "errors": [error_view(e) for e in errors[:MAX_ERRORS_RETURNED]],
        "warnings": [error_view(w) for w in (report.warnings if report else [])[:MAX_ERRORS_RETURNED]],
        "summary": report.summary() if report else f"{file}: refused, {len(errors)} error(s)",
    }


def refused(file: str, exc: ImportRejected) -> ProblemError:
    """The 422 problem+json of a refused import, listing the row errors."""
    return ProblemError(
        422,
        f"{file}: import refused, nothing written ({len(exc.errors)} error(s))",
        problem_type="urn:bosai:problem:import-refused",
        errors=[error_view(e) for e in exc.errors[:MAX_ERRORS_RETURNED]],
        error_count=len(exc.errors),
    )


def _preview(
    session: Session, kind: str, upload: UploadFile, allowed: frozenset[str], load: Callable[[bool], Load], skip: bool
) -> dict[str, Any]:
    """Run the importer skipping bad rows, report, and roll everything back."""
    name = safe_name(upload.filename, allowed)
    try:
        with stored_upload(upload, allowed) as path, malformed_as_rejection(path.name):
            name = path.name
            outcome = Outcome(load(True)(session, path), [])
    except ImportRejected as exc:
        outcome = Outcome(None, exc.errors)
    finally:
        session.rollback()
    return report_view(kind, name, outcome, committed=False, skip_invalid=skip)


def _commit(
    session: Session,
    request: Request,
    principal: Principal,
    kind: str,
    upload: UploadFile,
    allowed: frozenset[str],
    load: Callable[[bool], Load],
    skip: bool,
) -> dict[str, Any]:
    """Run the importer (all or nothing unless skipping), audit and commit; 422 listing the row errors."""
    name = safe_name(upload.filename, allowed)
    try:
        with stored_upload(upload, allowed) as path, malformed_as_rejection(path.name):
            name = path.name
            report = load(skip)(session, path)
    except ImportRejected as exc:
        session.rollback()
        raise refused(name, exc) from None
    view = report_view(kind, name, Outcome(report, []), committed=True, skip_invalid=skip)
    audit.record(
        session,
        actor=principal.actor,
        action=f"import.{kind}",
        entity="import",
        entity_id=name,
        before=None,
        after={k: view[k] for k in ("file", "rows", "inserted", "updated", "unchanged", "deleted", "error_count")},
        remote_addr=client_addr(request),
    )
    session.commit()
    return view


def _shelter_loader(coords: Literal["decimal", "dms"]) -> Callable[[bool], Load]:
    return lambda skip: lambda s, p: import_shelters(s, p, coords=coords, skip_invalid=skip)


Coords = Annotated[Literal["decimal", "dms"], Form(description="decimal degrees, or packed DMS (35.371269)")]


@router.post("/shelters/preview", summary="Preview a shelter file: counts and row errors, nothing written")
def preview_shelters(
    file: Upload,
    session: SessionDep,
    principal: ImporterDep,
    coords: Coords = "decimal",
    skip_invalid: SkipInvalid = False,
) -> dict[str, Any]:
    """GSI CSV/GeoJSON, Tokyo open-data or Takamatsu CSV; the import runs in a transaction that is rolled back."""
    return _preview(session, "shelters", file, SHELTER_SUFFIXES, _shelter_loader(coords), skip_invalid)


@router.post("/shelters", summary="Import a shelter file (all or nothing unless skip_invalid)")
def import_shelter_file(
    file: Upload,
    request: Request,
    session: SessionDep,
    principal: ImporterDep,
    coords: Coords = "decimal",
    skip_invalid: SkipInvalid = False,
) -> dict[str, Any]:
    """Upsert the shelters of the file; 422 problem+json with the row errors when it is refused."""
    loader = _shelter_loader(coords)
    return _commit(session, request, principal, "shelters", file, SHELTER_SUFFIXES, loader, skip_invalid)


@dataclass(frozen=True)
class HazardForm:
    """How to read an uploaded hazard file."""

    source_format: str
    kind: str
    rank_field: str | None
    scenario: str | None
    river_field: str | None
    source_name: str | None
    clip_to_area: str | None

    def loader(self) -> Callable[[bool], Load]:
        """The importer call for these options."""
        fields = HazardFields(
            kind=self.kind, rank_field=self.rank_field, scenario=self.scenario, river_field=self.river_field
        )

        def load(skip: bool) -> Load:
            options = HazardImportOptions(
                source_format=self.source_format,
                source_name=self.source_name,
                clip_to_area=self.clip_to_area,
                fields=fields,
                skip_invalid=skip,
            )
            return lambda s, p: import_hazard_file(s, p, options)

        return load


def hazard_form(
    source_format: Annotated[HazardFormat, Form(description="ksj-a31 … or geojson with a field mapping")] = "geojson",
    kind: Annotated[HazardKind, Form(description="geojson: hazard kind")] = "river_flood",
    rank_field: Annotated[str | None, Form(max_length=64, description="geojson: property with rank")] = "depth_rank",
    scenario: Annotated[str | None, Form(max_length=200)] = None,
    river_field: Annotated[str | None, Form(max_length=64)] = None,
    source_name: Annotated[str | None, Form(max_length=200, description="re-import replaces its zones")] = None,
    clip_to_area: Annotated[str | None, Form(max_length=32, description="keep only what lies in this area")] = None,
) -> HazardForm:
    """The hazard import options of the form (empty strings read as not given)."""
    return HazardForm(
        source_format, kind, rank_field or None, scenario or None, river_field or None, source_name or None,
        clip_to_area or None,
    )  # fmt: skip


HazardFormDep = Annotated[HazardForm, Depends(hazard_form)]


@router.post("/hazard/preview", summary="Preview a hazard file (GeoJSON or zipped Shapefile), nothing written")
def preview_hazard(
    file: Upload,
    session: SessionDep,
    principal: ImporterDep,
    options: HazardFormDep,
    skip_invalid: SkipInvalid = False,
) -> dict[str, Any]:
    """Zones inserted / updated / unchanged / removed and the feature errors, rolled back."""
    return _preview(session, "hazard", file, HAZARD_SUFFIXES, options.loader(), skip_invalid)


@router.post("/hazard", summary="Import a hazard file (all or nothing unless skip_invalid)")
def import_hazard_upload(
    file: Upload,
    request: Request,
    session: SessionDep,
    principal: ImporterDep,
    options: HazardFormDep,
    skip_invalid: SkipInvalid = False,
) -> dict[str, Any]:
    """Write the file's zones; 422 problem+json with the feature errors when it is refused."""
    return _commit(session, request, principal, "hazard", file, HAZARD_SUFFIXES, options.loader(), skip_invalid)
