"""Loose OpenAPI shapes of the public GeoJSON and JSON answers (documentation and schema checks only)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Feature(BaseModel):
    """A GeoJSON Feature (RFC 7946); geometry may be null when the place is unknown."""

    model_config = ConfigDict(extra="allow")

    type: Literal["Feature"]
    id: int | str | None = None
    geometry: dict[str, Any] | None
    properties: dict[str, Any] | None


class FeatureCollection(BaseModel):
    """A GeoJSON FeatureCollection (RFC 7946) with optional paging counts."""

    model_config = ConfigDict(extra="allow")

    type: Literal["FeatureCollection"]
    features: list[Feature]
    numberMatched: int | None = None
    numberReturned: int | None = None


class Readings(BaseModel):
    """A gauge's readings over a time range, raw or averaged per bucket."""

    model_config = ConfigDict(extra="allow")

    station: dict[str, Any]
    start: str = Field(alias="from")
    end: str = Field(alias="to")
    bucket_s: int | None
    readings: list[dict[str, Any]]


class PointInfo(BaseModel):
    """What a resident needs to decide at one place."""

    model_config = ConfigDict(extra="allow")

    location: dict[str, Any]
    areas: list[dict[str, Any]]
    hazards: list[dict[str, Any]]
    flood_history: dict[str, Any]
    orders: list[dict[str, Any]]
    shelters: list[Feature]


def geojson_doc(model: type[BaseModel] = FeatureCollection) -> dict[int | str, dict[str, Any]]:
    """`responses=` of a route answering GeoJSON, with 304 for a matching If-None-Match."""
    return {200: {"model": model}, 304: {"description": "Not Modified (If-None-Match matched the ETag)"}}
