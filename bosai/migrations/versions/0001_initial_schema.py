"""Initial schema: every table of the hub, PostGIS geometries in SRID 4326.

Revision ID: 0001
Revises:
Create Date: 2026-11-23 00:51:54.177437
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


#: Public views read by OGC API – Features (pygeoapi): public columns only, never staff data.
PUBLIC_VIEWS = {
    "ogc_shelters": """
        SELECT id, source, source_id, name, name_en, name_kana, address, ward_code,
               array_to_string(kinds, ',') AS kinds, array_to_string(hazards, ',') AS hazards,
               capacity, occupancy, status, status_changed_at, accessible, pets_allowed, phone, elevation_m,
               served_area, updated_at, location AS geom
        FROM shelters""",
    "ogc_stations": """
        SELECT s.id, s.code, s.name, s.kind, s.river, s.city_code, s.city, s.reporting_mode,
               s.observation_start_level_m, s.standby_level_m, s.caution_level_m, s.evacuation_level_m,
               s.danger_level_m, s.flooding_level_m, st.band, st.alert_level, st.water_level_m, st.trend, st.stale,
               st.last_observed_at, s.source, s.location AS geom
        FROM stations s LEFT JOIN station_states st ON st.station_id = s.id""",
    "ogc_hazard_zones": """
        SELECT id, kind, depth_rank, depth_min_m, depth_max_m, scenario, river_name, original_code, source, geom
        FROM hazard_zones""",
    "ogc_inundation_records": """
        SELECT i.id, i.event_name, i.event_date, i.period_start, i.period_end, i.ward_code, i.town_name,
               i.above_floor, i.below_floor, i.count_class, i.count_class_ordinal, i.confidence, i.source, i.notes,
               COALESCE(i.geom, a.geom) AS geom
        FROM inundation_records i LEFT JOIN areas a ON a.id = i.area_id""",
    "ogc_areas": "SELECT id, code, kind, name, name_kana, name_en, parent_code, geom FROM areas",
}


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.create_geospatial_table(
        "areas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("name_kana", sa.Text(), nullable=True),
        sa.Column("name_en", sa.Text(), nullable=True),
        sa.Column("parent_code", sa.String(length=32), nullable=True),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column(
            "attributes",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.CheckConstraint("kind IN ('prefecture', 'ward', 'town_block')", name=op.f("ck_areas_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_areas")),
        sa.UniqueConstraint("code", name=op.f("uq_areas_code")),
    )
    op.create_geospatial_index(
        "idx_areas_geom", "areas", ["geom"], unique=False, postgresql_using="gist", postgresql_ops={}
    )
    op.create_index(op.f("ix_areas_parent_code"), "areas", ["parent_code"], unique=False)
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.Text(), nullable=True),
        sa.Column("before", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("after", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("remote_addr", postgresql.INET(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_action"), "audit_log", ["action"], unique=False)
    op.create_table(
        "dead_letters",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dead_letters")),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    op.create_geospatial_table(
        "hazard_zones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_key", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("depth_rank", sa.SmallInteger(), nullable=True),
        sa.Column("depth_min_m", sa.Double(), nullable=True),
        sa.Column("depth_max_m", sa.Double(), nullable=True),
        sa.Column("original_code", sa.Text(), nullable=True),
        sa.Column("scenario", sa.Text(), nullable=True),
        sa.Column("river_name", sa.Text(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column(
            "attributes",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        # Simplified copies per map zoom band (hub.hazards.models.HAZARD_ZOOM_BANDS), kept in step by Postgres.
        sa.Column(
            "geom_z11",
            Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            sa.Computed(
                "ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_Simplify(geom, 0.0005, true)), 3))", persisted=True
            ),
            nullable=False,
        ),
        sa.Column(
            "geom_z14",
            Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            sa.Computed(
                "ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_Simplify(geom, 0.0001, true)), 3))", persisted=True
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "kind IN ('river_flood', 'flood_duration', 'house_collapse', 'inland_flood', 'storm_surge', 'tsunami', 'landslide', 'landslide_special')",
            name=op.f("ck_hazard_zones_kind"),
        ),
        sa.CheckConstraint("depth_rank BETWEEN 1 AND 6", name=op.f("ck_hazard_zones_depth_rank")),
        sa.UniqueConstraint("source_key", name=op.f("uq_hazard_zones_source_key")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hazard_zones")),
    )
    op.create_geospatial_index(
        "idx_hazard_zones_geom",
        "hazard_zones",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index(op.f("ix_hazard_zones_kind"), "hazard_zones", ["kind"], unique=False)
    for column in ("geom_z11", "geom_z14"):
        op.create_geospatial_index(
            f"idx_hazard_zones_{column}",
            "hazard_zones",
            [column],
            unique=False,
            postgresql_using="gist",
            postgresql_ops={},
        )
    op.create_geospatial_table(
        "rivers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="MULTILINESTRING",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column(
            "attributes",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rivers")),
        sa.UniqueConstraint("source_id", name=op.f("uq_rivers_source_id")),
    )
    op.create_geospatial_index(
        "idx_rivers_geom", "rivers", ["geom"], unique=False, postgresql_using="gist", postgresql_ops={}
    )
    op.create_geospatial_table(
        "shelters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("source_id", sa.String(length=128), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("name_kana", sa.Text(), nullable=True),
        sa.Column("name_en", sa.Text(), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("ward_code", sa.String(length=6), nullable=True),
        sa.Column(
            "location",
            Geometry(
                geometry_type="POINT",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column("kinds", postgresql.ARRAY(sa.String(length=32)), server_default=sa.text("'{}'"), nullable=False),
        sa.Column("hazards", postgresql.ARRAY(sa.String(length=16)), server_default=sa.text("'{}'"), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("occupancy", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("status", sa.String(length=16), server_default=sa.text("'closed'"), nullable=False),
        sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status_changed_by", sa.Text(), nullable=True),
        sa.Column("accessible", sa.Boolean(), nullable=True),
        sa.Column("pets_allowed", sa.Boolean(), nullable=True),
        sa.Column("phone", sa.Text(), nullable=True),
        sa.Column("elevation_m", sa.Double(), nullable=True),
        sa.Column("served_area", sa.Text(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column(
            "attributes",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "hazards <@ ARRAY['flood', 'landslide', 'storm_surge', 'earthquake', 'tsunami', 'large_fire', 'inland_flood', 'volcano']::varchar[]",
            name=op.f("ck_shelters_hazards"),
        ),
        sa.CheckConstraint(
            "kinds <@ ARRAY['designated_emergency_site', 'designated_shelter', 'wide_area_site', 'temporary_assembly_point', 'temporary_stay_facility', 'welfare_shelter']::varchar[]",
            name=op.f("ck_shelters_kinds"),
        ),
        sa.CheckConstraint(
            "status IN ('closed', 'opening', 'open', 'full', 'closed_again')", name=op.f("ck_shelters_status")
        ),
        sa.CheckConstraint("occupancy >= 0", name=op.f("ck_shelters_occupancy")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shelters")),
        sa.UniqueConstraint("source_id", name=op.f("uq_shelters_source_id")),
    )
    op.create_geospatial_index(
        "idx_shelters_location",
        "shelters",
        ["location"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index("ix_shelters_hazards", "shelters", ["hazards"], unique=False, postgresql_using="gin")
    op.create_index("ix_shelters_kinds", "shelters", ["kinds"], unique=False, postgresql_using="gin")
    op.create_index(op.f("ix_shelters_ward_code"), "shelters", ["ward_code"], unique=False)
    op.create_geospatial_table(
        "signage_devices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("token_hash", sa.Text(), nullable=False),
        sa.Column(
            "area_codes",
            postgresql.ARRAY(sa.String(length=32)),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column(
            "location",
            Geometry(
                geometry_type="POINT",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
            ),
            nullable=True,
        ),
        sa.Column(
            "languages",
            postgresql.ARRAY(sa.String(length=16)),
            server_default=sa.text("'{ja,ja-easy,en,zh-Hans,ko}'"),
            nullable=False,
        ),
        sa.Column("last_heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signage_devices")),
        sa.UniqueConstraint("device_id", name=op.f("uq_signage_devices_device_id")),
    )
    op.create_geospatial_index(
        "idx_signage_devices_location",
        "signage_devices",
        ["location"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_geospatial_table(
        "stations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("name_kana", sa.Text(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("river", sa.Text(), nullable=True),
        sa.Column("pref_code", sa.String(length=5), nullable=True),
        sa.Column("city_code", sa.String(length=5), nullable=True),
        sa.Column("city", sa.Text(), nullable=True),
        sa.Column(
            "location",
            Geometry(
                geometry_type="POINT",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column("observation_start_level_m", sa.Float(), nullable=True),
        sa.Column("standby_level_m", sa.Float(), nullable=True),
        sa.Column("caution_level_m", sa.Float(), nullable=True),
        sa.Column("evacuation_level_m", sa.Float(), nullable=True),
        sa.Column("danger_level_m", sa.Float(), nullable=True),
        sa.Column("flooding_level_m", sa.Float(), nullable=True),
        sa.Column("min_valid_m", sa.Float(), nullable=True),
        sa.Column("max_valid_m", sa.Float(), nullable=True),
        sa.Column("reporting_mode", sa.String(length=16), nullable=False),
        sa.Column("expected_interval_s", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column(
            "attributes",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("kind IN ('water_level', 'rain')", name=op.f("ck_stations_kind")),
        sa.CheckConstraint("reporting_mode IN ('regular', 'crisis')", name=op.f("ck_stations_reporting_mode")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stations")),
        sa.UniqueConstraint("code", name=op.f("uq_stations_code")),
    )
    op.create_geospatial_index(
        "idx_stations_location",
        "stations",
        ["location"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_geospatial_table(
        "subscriptions",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column(
            "keys",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "languages",
            postgresql.ARRAY(sa.String(length=16)),
            server_default=sa.text("'{ja}'"),
            nullable=False,
        ),
        sa.Column("hazards", postgresql.ARRAY(sa.String(length=16)), server_default=sa.text("'{}'"), nullable=False),
        sa.Column(
            "area_codes",
            postgresql.ARRAY(sa.String(length=32)),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
            ),
            nullable=True,
        ),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("channel IN ('webpush', 'line', 'signage', 'cap')", name=op.f("ck_subscriptions_channel")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscriptions")),
        sa.UniqueConstraint("channel", "address", name=op.f("uq_subscriptions_channel_address")),
    )
    op.create_geospatial_index(
        "idx_subscriptions_geom",
        "subscriptions",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.Text(), nullable=True),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column(
            "roles",
            postgresql.ARRAY(sa.String(length=16)),
            server_default=sa.text("'{viewer}'"),
            nullable=False,
        ),
        sa.Column("shelter_ids", postgresql.ARRAY(sa.Integer()), server_default=sa.text("'{}'"), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("failed_logins", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "roles <@ ARRAY['viewer', 'operator', 'coordinator', 'approver', 'admin']::varchar[]",
            name=op.f("ck_users_roles"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_geospatial_table(
        "evacuation_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("hazard", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), server_default=sa.text("'draft'"), nullable=False),
        sa.Column(
            "area_codes",
            postgresql.ARRAY(sa.String(length=32)),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
            ),
            nullable=True,
        ),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("drafted_by", sa.Integer(), nullable=True),
        sa.Column("approved_by", sa.Integer(), nullable=True),
        sa.Column("returned_by", sa.Integer(), nullable=True),
        sa.Column("return_comment", sa.Text(), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lifted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "status IN ('draft', 'returned', 'approved', 'issued', 'lifted', 'cancelled')",
            name=op.f("ck_evacuation_orders_status"),
        ),
        sa.CheckConstraint("level BETWEEN 3 AND 5", name=op.f("ck_evacuation_orders_level")),
        sa.ForeignKeyConstraint(["approved_by"], ["users.id"], name=op.f("fk_evacuation_orders_approved_by_users")),
        sa.ForeignKeyConstraint(["drafted_by"], ["users.id"], name=op.f("fk_evacuation_orders_drafted_by_users")),
        sa.ForeignKeyConstraint(["returned_by"], ["users.id"], name=op.f("fk_evacuation_orders_returned_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evacuation_orders")),
    )
    op.create_geospatial_index(
        "idx_evacuation_orders_geom",
        "evacuation_orders",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_geospatial_table(
        "inundation_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_name", sa.Text(), nullable=False),
        sa.Column("event_date", sa.Date(), nullable=True),
        sa.Column("period_start", sa.Date(), nullable=True),
        sa.Column("period_end", sa.Date(), nullable=True),
        sa.Column("ward_code", sa.String(length=6), nullable=True),
        sa.Column("town_name", sa.Text(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
            ),
            nullable=True,
        ),
        sa.Column("above_floor", sa.Integer(), nullable=True),
        sa.Column("below_floor", sa.Integer(), nullable=True),
        sa.Column("count_class", sa.Text(), nullable=True),
        sa.Column("count_class_ordinal", sa.SmallInteger(), nullable=True),
        sa.Column("confidence", sa.Text(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_id"], ["areas.id"], name=op.f("fk_inundation_records_area_id_areas"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inundation_records")),
        sa.UniqueConstraint(
            "source",
            "town_name",
            "event_name",
            name=op.f("uq_inundation_records_source_town_name_event_name"),
        ),
    )
    op.create_geospatial_index(
        "idx_inundation_records_geom",
        "inundation_records",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_table(
        "readings",
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("observed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("water_level_m", sa.Float(), nullable=True),
        sa.Column("rain_mm_10min", sa.Float(), nullable=True),
        sa.Column("battery_v", sa.Float(), nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["station_id"], ["stations.id"], name=op.f("fk_readings_station_id_stations"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("station_id", "observed_at", name=op.f("pk_readings")),
    )
    op.create_index("ix_readings_observed_at_brin", "readings", ["observed_at"], unique=False, postgresql_using="brin")
    op.create_index("ix_readings_received_at_brin", "readings", ["received_at"], unique=False, postgresql_using="brin")
    op.create_table(
        "station_events",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("from_state", sa.String(length=32), nullable=True),
        sa.Column("to_state", sa.String(length=32), nullable=False),
        sa.Column("alert_level", sa.Integer(), nullable=True),
        sa.Column("water_level_m", sa.Float(), nullable=True),
        sa.Column("observed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "details",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["station_id"],
            ["stations.id"],
            name=op.f("fk_station_events_station_id_stations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_station_events")),
    )
    op.create_index(op.f("ix_station_events_station_id"), "station_events", ["station_id"], unique=False)
    op.create_index(
        "ix_station_events_unprocessed",
        "station_events",
        ["id"],
        unique=False,
        postgresql_where=sa.text("processed_at IS NULL"),
    )
    op.create_table(
        "station_states",
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("band", sa.String(length=16), server_default=sa.text("'normal'"), nullable=False),
        sa.Column("alert_level", sa.Integer(), nullable=True),
        sa.Column("water_level_m", sa.Float(), nullable=True),
        sa.Column("trend", sa.String(length=16), nullable=True),
        sa.Column("stale", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=True),
        sa.Column("last_observed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "state", postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["station_id"], ["stations.id"], name=op.f("fk_station_states_station_id_stations"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("station_id", name=op.f("pk_station_states")),
    )
    op.create_index(op.f("ix_station_states_last_seen_at"), "station_states", ["last_seen_at"], unique=False)
    op.create_geospatial_table(
        "alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("identifier", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), server_default=sa.text("'draft'"), nullable=False),
        sa.Column("msg_type", sa.String(length=8), server_default=sa.text("'Alert'"), nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=True),
        sa.Column("hazard", sa.String(length=16), nullable=True),
        sa.Column("urgency", sa.String(length=16), server_default=sa.text("'Expected'"), nullable=False),
        sa.Column("severity", sa.String(length=16), server_default=sa.text("'Moderate'"), nullable=False),
        sa.Column("certainty", sa.String(length=16), server_default=sa.text("'Likely'"), nullable=False),
        sa.Column("scope", sa.String(length=16), server_default=sa.text("'Public'"), nullable=False),
        sa.Column("auto_send", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column(
            "messages",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "area_codes",
            postgresql.ARRAY(sa.String(length=32)),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
            ),
            nullable=True,
        ),
        sa.Column("references_id", sa.Integer(), nullable=True),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("station_event_id", sa.BigInteger(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("drafted_by", sa.Integer(), nullable=True),
        sa.Column("approved_by", sa.Integer(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "status IN ('draft', 'approved', 'sent', 'updated', 'cancelled', 'expired', 'rejected')",
            name=op.f("ck_alerts_status"),
        ),
        sa.ForeignKeyConstraint(["approved_by"], ["users.id"], name=op.f("fk_alerts_approved_by_users")),
        sa.ForeignKeyConstraint(["drafted_by"], ["users.id"], name=op.f("fk_alerts_drafted_by_users")),
        sa.ForeignKeyConstraint(
            ["order_id"], ["evacuation_orders.id"], name=op.f("fk_alerts_order_id_evacuation_orders")
        ),
        sa.ForeignKeyConstraint(["references_id"], ["alerts.id"], name=op.f("fk_alerts_references_id_alerts")),
        sa.ForeignKeyConstraint(
            ["station_event_id"],
            ["station_events.id"],
            name=op.f("fk_alerts_station_event_id_station_events"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
        sa.UniqueConstraint("identifier", name=op.f("uq_alerts_identifier")),
    )
    op.create_geospatial_index(
        "idx_alerts_geom", "alerts", ["geom"], unique=False, postgresql_using="gist", postgresql_ops={}
    )
    op.create_table(
        "deliveries",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.BigInteger(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), server_default=sa.text("'pending'"), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'sent', 'failed', 'gone', 'skipped')", name=op.f("ck_deliveries_status")
        ),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name=op.f("fk_deliveries_alert_id_alerts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name=op.f("fk_deliveries_subscription_id_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
        sa.UniqueConstraint(
            "alert_id",
            "subscription_id",
            "channel",
            name=op.f("uq_deliveries_alert_id_subscription_id_channel"),
        ),
    )
    op.create_index(op.f("ix_deliveries_alert_id"), "deliveries", ["alert_id"], unique=False)
    for name, query in PUBLIC_VIEWS.items():
        op.execute(f"CREATE VIEW {name} AS {query}")


def downgrade() -> None:
    for name in reversed(PUBLIC_VIEWS):
        op.execute(f"DROP VIEW IF EXISTS {name}")
    op.drop_index(op.f("ix_deliveries_alert_id"), table_name="deliveries")
    op.drop_table("deliveries")
    op.drop_geospatial_index("idx_alerts_geom", table_name="alerts", postgresql_using="gist", column_name="geom")
    op.drop_geospatial_table("alerts")
    op.drop_index(op.f("ix_station_states_last_seen_at"), table_name="station_states")
    op.drop_table("station_states")
    op.drop_index(
        "ix_station_events_unprocessed", table_name="station_events", postgresql_where=sa.text("processed_at IS NULL")
    )
    op.drop_index(op.f("ix_station_events_station_id"), table_name="station_events")
    op.drop_table("station_events")
    op.drop_index("ix_readings_received_at_brin", table_name="readings", postgresql_using="brin")
    op.drop_index("ix_readings_observed_at_brin", table_name="readings", postgresql_using="brin")
    op.drop_table("readings")
    op.drop_geospatial_index(
        "idx_inundation_records_geom",
        table_name="inundation_records",
        postgresql_using="gist",
        column_name="geom",
    )
    op.drop_geospatial_table("inundation_records")
    op.drop_geospatial_index(
        "idx_evacuation_orders_geom",
        table_name="evacuation_orders",
        postgresql_using="gist",
        column_name="geom",
    )
    op.drop_geospatial_table("evacuation_orders")
    op.drop_table("users")
    op.drop_geospatial_index(
        "idx_subscriptions_geom", table_name="subscriptions", postgresql_using="gist", column_name="geom"
    )
    op.drop_geospatial_table("subscriptions")
    op.drop_geospatial_index(
        "idx_stations_location", table_name="stations", postgresql_using="gist", column_name="location"
    )
    op.drop_geospatial_table("stations")
    op.drop_geospatial_index(
        "idx_signage_devices_location",
        table_name="signage_devices",
        postgresql_using="gist",
        column_name="location",
    )
    op.drop_geospatial_table("signage_devices")
    op.drop_index(op.f("ix_shelters_ward_code"), table_name="shelters")
    op.drop_index("ix_shelters_kinds", table_name="shelters", postgresql_using="gin")
    op.drop_index("ix_shelters_hazards", table_name="shelters", postgresql_using="gin")
    op.drop_geospatial_index(
        "idx_shelters_location", table_name="shelters", postgresql_using="gist", column_name="location"
    )
    op.drop_geospatial_table("shelters")
    op.drop_geospatial_index("idx_rivers_geom", table_name="rivers", postgresql_using="gist", column_name="geom")
    op.drop_geospatial_table("rivers")
    for column in ("geom_z14", "geom_z11"):
        op.drop_geospatial_index(
            f"idx_hazard_zones_{column}",
            table_name="hazard_zones",
            postgresql_using="gist",
            column_name=column,
        )
    op.drop_index(op.f("ix_hazard_zones_kind"), table_name="hazard_zones")
    op.drop_geospatial_index(
        "idx_hazard_zones_geom", table_name="hazard_zones", postgresql_using="gist", column_name="geom"
    )
    op.drop_geospatial_table("hazard_zones")
    op.drop_table("events")
    op.drop_table("dead_letters")
    op.drop_index(op.f("ix_audit_log_action"), table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_index(op.f("ix_areas_parent_code"), table_name="areas")
    op.drop_geospatial_index("idx_areas_geom", table_name="areas", postgresql_using="gist", column_name="geom")
    op.drop_geospatial_table("areas")
