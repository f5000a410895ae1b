"""registries: the five base registries (golden records, links, relations, issues, addresses, places,
components, buildings, houses, right holders)

Revision ID: f8a9registry1
Revises: c3d2lake0001
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import xingcheng.core.db

revision: str = "f8a9registry1"
down_revision: str | Sequence[str] | None = "c3d2lake0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "registry_address",
        sa.Column("code", sa.String(length=23), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("district_code", sa.String(length=6), nullable=False),
        sa.Column("township_code", sa.String(length=9), nullable=True),
        sa.Column("community_code", sa.String(length=12), nullable=True),
        sa.Column("grid_code", sa.String(length=15), nullable=True),
        sa.Column("road", sa.String(length=64), nullable=True),
        sa.Column("door_no", sa.String(length=16), nullable=True),
        sa.Column("estate", sa.String(length=64), nullable=True),
        sa.Column("building", sa.String(length=16), nullable=True),
        sa.Column("unit", sa.String(length=8), nullable=True),
        sa.Column("room", sa.String(length=16), nullable=True),
        sa.Column("full_address", sa.String(length=300), nullable=False),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_registry_address")),
    )
    op.create_index(op.f("ix_registry_address_community_code"), "registry_address", ["community_code"], unique=False)
    op.create_index(op.f("ix_registry_address_district_code"), "registry_address", ["district_code"], unique=False)
    op.create_index(op.f("ix_registry_address_grid_code"), "registry_address", ["grid_code"], unique=False)
    op.create_table(
        "registry_address_alias",
        sa.Column("code", sa.String(length=23), nullable=False),
        sa.Column("address_code", sa.String(length=23), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_registry_address_alias")),
    )
    op.create_index(
        op.f("ix_registry_address_alias_address_code"), "registry_address_alias", ["address_code"], unique=False
    )
    op.create_table(
        "registry_build",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("started_at", xingcheng.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", xingcheng.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("person_model", sa.JSON(), nullable=True),
        sa.Column("company_model", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_build")),
    )
    op.create_table(
        "registry_building",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("address_code", sa.String(length=23), nullable=False),
        sa.Column("unit_no", sa.String(length=28), nullable=True),
        sa.Column("estate", sa.String(length=64), nullable=True),
        sa.Column("building_no", sa.String(length=16), nullable=True),
        sa.Column("district_code", sa.String(length=6), nullable=True),
        sa.Column("floors", sa.Integer(), nullable=True),
        sa.Column("units", sa.Integer(), nullable=True),
        sa.Column("built_year", sa.Integer(), nullable=True),
        sa.Column("use", sa.String(length=16), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_building")),
        sa.UniqueConstraint("address_code", name=op.f("uq_registry_building_address_code")),
    )
    op.create_index(op.f("ix_registry_building_district_code"), "registry_building", ["district_code"], unique=False)
    op.create_table(
        "registry_component_class",
        sa.Column("code", sa.String(length=4), nullable=False),
        sa.Column("major_code", sa.String(length=2), nullable=False),
        sa.Column("major_name", sa.String(length=32), nullable=False),
        sa.Column("minor_code", sa.String(length=2), nullable=False),
        sa.Column("minor_name", sa.String(length=32), nullable=False),
        sa.Column("authority", sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_registry_component_class")),
    )
    op.create_table(
        "registry_person",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_no", sa.String(length=24), nullable=False),
        sa.Column("id_number", sa.String(length=18), nullable=True),
        sa.Column("name", sa.String(length=64), nullable=True),
        sa.Column("sex", sa.String(length=1), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("ethnicity", sa.String(length=16), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("address_code", sa.String(length=23), nullable=True),
        sa.Column("marital_status", sa.String(length=8), nullable=True),
        sa.Column("household_no", sa.String(length=20), nullable=True),
        sa.Column("household_relation", sa.String(length=8), nullable=True),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("digest", sa.String(length=32), nullable=False),
        sa.Column("created_at", xingcheng.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", xingcheng.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_person")),
        sa.UniqueConstraint("person_no", name=op.f("uq_registry_person_person_no")),
    )
    op.create_index(op.f("ix_registry_person_address_code"), "registry_person", ["address_code"], unique=False)
    op.create_index(op.f("ix_registry_person_household_no"), "registry_person", ["household_no"], unique=False)
    op.create_index(op.f("ix_registry_person_id_number"), "registry_person", ["id_number"], unique=False)
    op.create_table(
        "registry_place",
        sa.Column("code", sa.String(length=15), nullable=False),
        sa.Column("level", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("parent_code", sa.String(length=15), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("geometry", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_registry_place")),
    )
    op.create_index(op.f("ix_registry_place_level"), "registry_place", ["level"], unique=False)
    op.create_index(op.f("ix_registry_place_parent_code"), "registry_place", ["parent_code"], unique=False)
    op.create_table(
        "registry_company",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("entity_type", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=True),
        sa.Column("established", sa.Date(), nullable=True),
        sa.Column("capital", sa.Float(), nullable=True),
        sa.Column("legal_rep_id", sa.Integer(), nullable=True),
        sa.Column("address_code", sa.String(length=23), nullable=True),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("created_at", xingcheng.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", xingcheng.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["legal_rep_id"],
            ["registry_person.id"],
            name=op.f("fk_registry_company_legal_rep_id_registry_person"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_company")),
        sa.UniqueConstraint("uscc", name=op.f("uq_registry_company_uscc")),
    )
    op.create_index(op.f("ix_registry_company_address_code"), "registry_company", ["address_code"], unique=False)
    op.create_index(op.f("ix_registry_company_legal_rep_id"), "registry_company", ["legal_rep_id"], unique=False)
    op.create_table(
        "registry_component",
        sa.Column("id", sa.String(length=16), nullable=False),
        sa.Column("class_code", sa.String(length=4), nullable=False),
        sa.Column("county_code", sa.String(length=6), nullable=False),
        sa.Column("serial", sa.String(length=6), nullable=False),
        sa.Column("community_code", sa.String(length=12), nullable=True),
        sa.Column("grid_code", sa.String(length=15), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("location", sa.String(length=200), nullable=True),
        sa.Column("department", sa.String(length=100), nullable=True),
        sa.Column("owner", sa.String(length=100), nullable=True),
        sa.Column("maintainer", sa.String(length=100), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=True),
        sa.Column("surveyed", sa.Date(), nullable=True),
        sa.Column("aliases", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["class_code"],
            ["registry_component_class.code"],
            name=op.f("fk_registry_component_class_code_registry_component_class"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_component")),
    )
    op.create_index(op.f("ix_registry_component_class_code"), "registry_component", ["class_code"], unique=False)
    op.create_index(
        op.f("ix_registry_component_community_code"), "registry_component", ["community_code"], unique=False
    )
    op.create_index(op.f("ix_registry_component_county_code"), "registry_component", ["county_code"], unique=False)
    op.create_index(op.f("ix_registry_component_grid_code"), "registry_component", ["grid_code"], unique=False)
    op.create_table(
        "registry_house",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("address_code", sa.String(length=23), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=True),
        sa.Column("unit_no", sa.String(length=28), nullable=True),
        sa.Column("floor", sa.Integer(), nullable=True),
        sa.Column("room_no", sa.String(length=16), nullable=True),
        sa.Column("area", sa.Float(), nullable=True),
        sa.Column("use", sa.String(length=16), nullable=True),
        sa.Column("share_mode", sa.String(length=16), nullable=True),
        sa.Column("registered_at", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["building_id"],
            ["registry_building.id"],
            name=op.f("fk_registry_house_building_id_registry_building"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_house")),
        sa.UniqueConstraint("address_code", name=op.f("uq_registry_house_address_code")),
    )
    op.create_index(op.f("ix_registry_house_building_id"), "registry_house", ["building_id"], unique=False)
    op.create_table(
        "registry_issue",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registry_name", sa.String(length=16), nullable=False),
        sa.Column("entity_ref", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("attribute", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=True),
        sa.Column("department_code", sa.String(length=32), nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("golden_value", sa.Text(), nullable=True),
        sa.Column("golden_source", sa.String(length=40), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("build_id", sa.Integer(), nullable=True),
        sa.Column("created_at", xingcheng.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", xingcheng.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["build_id"], ["registry_build.id"], name=op.f("fk_registry_issue_build_id_registry_build")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_issue")),
    )
    op.create_index(
        "ix_registry_issue_department_status", "registry_issue", ["department_code", "status"], unique=False
    )
    op.create_index(op.f("ix_registry_issue_entity_ref"), "registry_issue", ["entity_ref"], unique=False)
    op.create_table(
        "registry_person_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("match_probability", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["registry_person.id"],
            name=op.f("fk_registry_person_link_person_id_registry_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_person_link")),
        sa.UniqueConstraint("source", "record_id", name=op.f("uq_registry_person_link_source")),
    )
    op.create_index(op.f("ix_registry_person_link_person_id"), "registry_person_link", ["person_id"], unique=False)
    op.create_table(
        "registry_relation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("other_id", sa.Integer(), nullable=False),
        sa.Column("sources", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["other_id"],
            ["registry_person.id"],
            name=op.f("fk_registry_relation_other_id_registry_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["registry_person.id"],
            name=op.f("fk_registry_relation_person_id_registry_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_relation")),
        sa.UniqueConstraint("person_id", "kind", "other_id", name=op.f("uq_registry_relation_person_id")),
    )
    op.create_index(op.f("ix_registry_relation_other_id"), "registry_relation", ["other_id"], unique=False)
    op.create_index(op.f("ix_registry_relation_person_id"), "registry_relation", ["person_id"], unique=False)
    op.create_table(
        "registry_company_address",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("address_code", sa.String(length=23), nullable=True),
        sa.Column("text", sa.String(length=300), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["registry_company.id"],
            name=op.f("fk_registry_company_address_company_id_registry_company"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_company_address")),
    )
    op.create_index(
        op.f("ix_registry_company_address_company_id"), "registry_company_address", ["company_id"], unique=False
    )
    op.create_table(
        "registry_company_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["registry_company.id"],
            name=op.f("fk_registry_company_link_company_id_registry_company"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_company_link")),
        sa.UniqueConstraint("source", "record_id", name=op.f("uq_registry_company_link_source")),
    )
    op.create_index(op.f("ix_registry_company_link_company_id"), "registry_company_link", ["company_id"], unique=False)
    op.create_table(
        "registry_company_name",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["registry_company.id"],
            name=op.f("fk_registry_company_name_company_id_registry_company"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_company_name")),
    )
    op.create_index(op.f("ix_registry_company_name_company_id"), "registry_company_name", ["company_id"], unique=False)
    op.create_table(
        "registry_right_holder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("house_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=12), nullable=False),
        sa.Column("holder_type", sa.String(length=8), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["registry_company.id"],
            name=op.f("fk_registry_right_holder_company_id_registry_company"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["house_id"],
            ["registry_house.id"],
            name=op.f("fk_registry_right_holder_house_id_registry_house"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["registry_person.id"],
            name=op.f("fk_registry_right_holder_person_id_registry_person"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_right_holder")),
    )
    op.create_index(op.f("ix_registry_right_holder_company_id"), "registry_right_holder", ["company_id"], unique=False)
    op.create_index(op.f("ix_registry_right_holder_house_id"), "registry_right_holder", ["house_id"], unique=False)
    op.create_index(op.f("ix_registry_right_holder_person_id"), "registry_right_holder", ["person_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_registry_right_holder_person_id"), table_name="registry_right_holder")
    op.drop_index(op.f("ix_registry_right_holder_house_id"), table_name="registry_right_holder")
    op.drop_index(op.f("ix_registry_right_holder_company_id"), table_name="registry_right_holder")
    op.drop_table("registry_right_holder")
    op.drop_index(op.f("ix_registry_company_name_company_id"), table_name="registry_company_name")
    op.drop_table("registry_company_name")
    op.drop_index(op.f("ix_registry_company_link_company_id"), table_name="registry_company_link")
    op.drop_table("registry_company_link")
    op.drop_index(op.f("ix_registry_company_address_company_id"), table_name="registry_company_address")
    op.drop_table("registry_company_address")
    op.drop_index(op.f("ix_registry_relation_person_id"), table_name="registry_relation")
    op.drop_index(op.f("ix_registry_relation_other_id"), table_name="registry_relation")
    op.drop_table("registry_relation")
    op.drop_index(op.f("ix_registry_person_link_person_id"), table_name="registry_person_link")
    op.drop_table("registry_person_link")
    op.drop_index(op.f("ix_registry_issue_entity_ref"), table_name="registry_issue")
    op.drop_index("ix_registry_issue_department_status", table_name="registry_issue")
    op.drop_table("registry_issue")
    op.drop_index(op.f("ix_registry_house_building_id"), table_name="registry_house")
    op.drop_table("registry_house")
    op.drop_index(op.f("ix_registry_component_grid_code"), table_name="registry_component")
    op.drop_index(op.f("ix_registry_component_county_code"), table_name="registry_component")
    op.drop_index(op.f("ix_registry_component_community_code"), table_name="registry_component")
    op.drop_index(op.f("ix_registry_component_class_code"), table_name="registry_component")
    op.drop_table("registry_component")
    op.drop_index(op.f("ix_registry_company_legal_rep_id"), table_name="registry_company")
    op.drop_index(op.f("ix_registry_company_address_code"), table_name="registry_company")
    op.drop_table("registry_company")
    op.drop_index(op.f("ix_registry_place_parent_code"), table_name="registry_place")
    op.drop_index(op.f("ix_registry_place_level"), table_name="registry_place")
    op.drop_table("registry_place")
    op.drop_index(op.f("ix_registry_person_id_number"), table_name="registry_person")
    op.drop_index(op.f("ix_registry_person_household_no"), table_name="registry_person")
    op.drop_index(op.f("ix_registry_person_address_code"), table_name="registry_person")
    op.drop_table("registry_person")
    op.drop_table("registry_component_class")
    op.drop_index(op.f("ix_registry_building_district_code"), table_name="registry_building")
    op.drop_table("registry_building")
    op.drop_table("registry_build")
    op.drop_index(op.f("ix_registry_address_alias_address_code"), table_name="registry_address_alias")
    op.drop_table("registry_address_alias")
    op.drop_index(op.f("ix_registry_address_grid_code"), table_name="registry_address")
    op.drop_index(op.f("ix_registry_address_district_code"), table_name="registry_address")
    op.drop_index(op.f("ix_registry_address_community_code"), table_name="registry_address")
    op.drop_table("registry_address")
