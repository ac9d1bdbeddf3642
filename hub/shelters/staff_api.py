"""Staff shelter operations: status, occupancy (ETag / If-Match), per-shelter operator links."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

import segno
from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from hub.api.deps import SessionDep, SettingsDep
from hub.api.etag import if_match_versions, version_etag
from hub.api.problems import ProblemError
from hub.api.security import ClockDep, Principal, PrincipalDep, SecretDep, client_addr, require
from hub.audit import service as audit
from hub.events import service as events
from hub.shelters import service as shelter_ops
from hub.shelters.models import SHELTER_STATUSES, Shelter
from hub.users import tokens
from hub.users.auth import issue_shelter_token

router = APIRouter(prefix="/api/shelters", tags=["shelter operations"])
ShelterId = Annotated[int, Path(ge=1, le=2**31 - 1)]
IfMatch = Annotated[str | None, Header(description='ETag last read, e.g. W/"3" (required)')]
Status = Literal[SHELTER_STATUSES]  # type: ignore[valid-type]
#: Largest head count accepted (a typo guard, far above any real shelter).
MAX_OCCUPANCY = 100_000
QR_SCALE = 6
HISTORY_MAX = 200
HISTORY_DEFAULT = 50
#: Most recent operator links of one shelter considered when revoking (far above any real count).
ISSUED_LINKS_MAX = 10_000


class StatusChange(BaseModel):
    """The new status of a shelter."""

    status: Status


class OccupancyChange(BaseModel):
    """How many people are in the shelter now."""

    occupancy: int = Field(ge=0, le=MAX_OCCUPANCY)


def _may_update(principal: Principal, shelter_id: int) -> None:
    if not principal.may_update_shelter(shelter_id):
        raise ProblemError(
            403,
            f"you may not update shelter {shelter_id} (operators: only their assigned shelters)",
            problem_type="urn:bosai:problem:forbidden-shelter",
        )


def _locked_for_update(session: Session, principal: Principal, shelter_id: int, if_match: str | None) -> Shelter:
    """The shelter locked for this principal's update, its version checked against If-Match (403/404/412/428)."""
    _may_update(principal, shelter_id)
    expected = if_match_versions(if_match) or frozenset()
    shelter = shelter_ops.lock(session, shelter_id)
    shelter_ops.check_version(shelter, expected)
    return shelter


def _commit_change(
    session: Session,
    request: Request,
    response: Response,
    principal: Principal,
    shelter: Shelter,
    *,
    action: str,
    before: dict[str, Any],
    after: dict[str, Any],
) -> dict[str, Any]:
    """Audit, publish and commit a shelter change; the response carries the new ETag."""
    audit.record(
        session,
        actor=principal.actor,
        action=action,
        entity="shelter",
        entity_id=shelter.id,
        before=before,
        after=after,
        remote_addr=client_addr(request),
    )
    events.publish(session, kind=action, payload=shelter_ops.public_state(shelter))
    session.commit()
    response.headers["ETag"] = version_etag(shelter.version)
    return shelter_ops.staff_state(shelter)


@router.get("/{shelter_id}/state", summary="Live state of a shelter for staff, with its ETag")
def shelter_state(
    shelter_id: ShelterId, response: Response, session: SessionDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Status, count, crowding, version and who changed the status last."""
    if not principal.may_read_shelter(shelter_id):
        raise ProblemError(403, f"this link is not for shelter {shelter_id}")
    shelter = session.get(Shelter, shelter_id)
    if shelter is None:
        raise ProblemError(404, f"no shelter with id {shelter_id}")
    response.headers["ETag"] = version_etag(shelter.version)
    return shelter_ops.staff_state(shelter)


@router.post("/{shelter_id}/status", summary="Open, fill or close a shelter")
def change_status(
    shelter_id: ShelterId,
    body: StatusChange,
    request: Request,
    response: Response,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    """closed → opening → open ⇄ full → closed_again; 409 for an impossible move, 412/428 for If-Match."""
    shelter = _locked_for_update(session, principal, shelter_id, if_match)
    before, after = shelter_ops.change_status(shelter, body.status, actor=principal.actor, now=clock())
    return _commit_change(
        session, request, response, principal, shelter, action="shelter.status", before=before, after=after
    )


@router.patch("/{shelter_id}/occupancy", summary="Report how many people are in a shelter")
def change_occupancy(
    shelter_id: ShelterId,
    body: OccupancyChange,
    request: Request,
    response: Response,
    session: SessionDep,
    principal: PrincipalDep,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    """The count and the crowding residents see (空いています / やや混雑 / 混雑 / 満員)."""
    shelter = _locked_for_update(session, principal, shelter_id, if_match)
    before, after = shelter_ops.set_occupancy(shelter, body.occupancy)
    return _commit_change(
        session, request, response, principal, shelter, action="shelter.occupancy", before=before, after=after
    )


@router.post(
    "/{shelter_id}/operator-link",
    summary="A QR-able link that lets its holder update only this shelter",
    responses={200: {"content": {"application/json": {}, "image/png": {}, "image/svg+xml": {}}}},
)
def operator_link(
    shelter_id: ShelterId,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    secret: SecretDep,
    clock: ClockDep,
    principal: LinkerDep,
    format: Annotated[Literal["json", "png", "svg"], Query(description="json, or the QR code as png/svg")] = "json",
) -> Any:
    """A signed per-shelter token as `{public_url}/staff/s/{token}`, with its QR code."""
    shelter = session.get(Shelter, shelter_id)
    if shelter is None:
        raise ProblemError(404, f"no shelter with id {shelter_id}")
    ttl = timedelta(hours=settings.operator_link_hours)
    link = issue_shelter_token(secret=secret, shelter_id=shelter_id, issued_by=principal.actor, now=clock(), ttl=ttl)
    url = f"{settings.public_url.rstrip('/')}/staff/s/{link.token}"
    audit.record(
        session,
        actor=principal.actor,
        action="shelter.operator_link",
        entity="shelter",
        entity_id=shelter_id,
        before=None,
        after={"link_id": link.jti, "expires_at": link.expires_at},
        remote_addr=client_addr(request),
    )
    session.commit()
    qr = segno.make(url, error="m")
    headers = {"Cache-Control": "no-store"}
    if format != "json":
        buffer = io.BytesIO()
        qr.save(buffer, kind=format, scale=QR_SCALE)
        media = "image/png" if format == "png" else "image/svg+xml"
        return Response(buffer.getvalue(), media_type=media, headers=headers)
    body = {
        "shelter_id": shelter_id,
        "url": url,
        "token": link.token,
        "link_id": link.jti,
        "expires_at": link.expires_at.isoformat(),
        "qr_svg": qr.svg_data_uri(scale=QR_SCALE),
    }
    return JSONResponse(body, headers=headers)


LinkerDep = Annotated[Principal, Depends(require("shelter.operator_link"))]
LinkId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$", description="link_id returned when the link was made")]


def _issued_links(session: Session, shelter_id: int) -> dict[str, datetime]:
    """Every operator link issued for the shelter (from the audit trail): link id → expiry."""
    where = audit.AuditFilter(action="shelter.operator_link", entity="shelter", entity_id=str(shelter_id))
    entries, _ = audit.search(session, where=where, limit=ISSUED_LINKS_MAX, offset=0)
    return {
        e.after["link_id"]: datetime.fromisoformat(e.after["expires_at"])
        for e in entries
        if e.action == "shelter.operator_link" and e.after and "link_id" in e.after
    }


def _revoke_links(
    session: Session, request: Request, principal: Principal, shelter_id: int, links: dict[str, datetime], now: datetime
) -> dict[str, Any]:
    """Revoke the links that have not expired yet, audited; the ids revoked."""
    live = sorted(jti for jti, expires_at in links.items() if expires_at > now)
    for jti in live:
        tokens.revoke(session, jti=jti, expires_at=links[jti], now=now)
    audit.record(
        session,
        actor=principal.actor,
        action="shelter.operator_link_revoked",
        entity="shelter",
        entity_id=shelter_id,
        before=None,
        after={"link_ids": live},
        remote_addr=client_addr(request),
    )
    session.commit()
    return {"shelter_id": shelter_id, "revoked": live}


@router.post("/{shelter_id}/operator-links/{link_id}/revoke", summary="Revoke one operator link of a shelter")
def revoke_operator_link(
    shelter_id: ShelterId,
    link_id: LinkId,
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    principal: LinkerDep,
) -> dict[str, Any]:
    """The link stops working at once; 404 when no such link was issued for this shelter."""
    issued = _issued_links(session, shelter_id)
    if link_id not in issued:
        raise ProblemError(404, f"no operator link {link_id} was issued for shelter {shelter_id}")
    return _revoke_links(session, request, principal, shelter_id, {link_id: issued[link_id]}, clock())


@router.post("/{shelter_id}/operator-links/revoke", summary="Revoke every operator link of a shelter")
def revoke_operator_links(
    shelter_id: ShelterId, request: Request, session: SessionDep, clock: ClockDep, principal: LinkerDep
) -> dict[str, Any]:
    """Every link issued for the shelter that has not expired stops working at once."""
    if session.get(Shelter, shelter_id) is None:
        raise ProblemError(404, f"no shelter with id {shelter_id}")
    return _revoke_links(session, request, principal, shelter_id, _issued_links(session, shelter_id), clock())


@router.get("/{shelter_id}/history", tags=["staff views"], summary="Status and occupancy changes of one shelter")
def shelter_history(
    shelter_id: ShelterId,
    session: SessionDep,
    principal: PrincipalDep,
    limit: Annotated[int, Query(ge=1, le=HISTORY_MAX)] = HISTORY_DEFAULT,
) -> dict[str, Any]:
    """The shelter's audit entries (status, occupancy, operator links), newest first; staff or its own link."""
    if not principal.may_read_shelter(shelter_id):
        raise ProblemError(
            403, f"you may not read shelter {shelter_id}", problem_type="urn:bosai:problem:forbidden-shelter"
        )
    if session.get(Shelter, shelter_id) is None:
        raise ProblemError(404, f"no shelter with id {shelter_id}")
    where = audit.AuditFilter(action="shelter.", entity="shelter", entity_id=str(shelter_id))
    entries, total = audit.search(session, where=where, limit=limit, offset=0)
    items = [
        {k: v for k, v in audit.entry_view(e).items() if k in ("id", "at", "actor", "action", "before", "after")}
        for e in entries
    ]
    return {"shelter_id": shelter_id, "items": items, "total": total}
