"""Seed the categories of the provincial plan (editable afterwards) and index play logs by time."""

from __future__ import annotations

from peewee import Database
from playhouse.migrate import SchemaMigrator

from .. import models

VERSION = 2

CATEGORIES = (
    ("drugs", "Phòng, chống ma túy", "Drug prevention"),
    ("prostitution", "Phòng, chống mại dâm", "Prostitution prevention"),
    ("hiv", "Phòng, chống HIV/AIDS", "HIV/AIDS"),
    ("trafficking", "Phòng, chống mua bán người", "Human trafficking"),
    ("crime", "Phòng, chống tội phạm", "Crime prevention"),
    ("domestic-violence", "Phòng, chống bạo lực gia đình", "Domestic violence"),
    ("child-abuse", "Phòng, chống xâm hại trẻ em", "Child abuse"),
    ("disaster", "Phòng, chống thiên tai", "Disaster"),
    ("policy", "Chính sách, pháp luật", "Policy and law"),
    ("local-news", "Tin tức địa phương", "Local news"),
)


def up(db: Database, migrator: SchemaMigrator) -> None:
    """Nothing to change in the schema; the step exists for its seed."""


def seed(db: Database) -> None:
    with models.Category.bind_ctx(db):
        for position, (code, name, name_en) in enumerate(CATEGORIES):
            if not models.Category.select().where(models.Category.code == code).exists():
                models.Category.create(code=code, name=name, name_en=name_en, position=position)
