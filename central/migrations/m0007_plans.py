"""Plans (kế hoạch): the year's plan with its themes, report periods and targets; campaigns join a plan.

- tables ``plan``, ``plan_theme``, ``report_period``, ``plan_target``;
- ``campaign.plan_id`` (nullable): the plan a campaign carries out; existing campaigns have none.
"""

from __future__ import annotations

from peewee import Database, ForeignKeyField
from playhouse.migrate import SchemaMigrator, migrate

from .. import models

VERSION = 7


def up(db: Database, migrator: SchemaMigrator) -> None:
    db.create_tables([models.Plan, models.PlanTheme, models.ReportPeriod, models.PlanTarget], safe=True)
    if "plan_id" not in {c.name for c in db.get_columns("campaign")}:
        # a fresh field: the migrator renames the field it is given, so never pass a model's own
        fk = ForeignKeyField(models.Plan, field=models.Plan.id, null=True, on_delete="SET NULL")
        migrate(migrator.add_column("campaign", "plan_id", fk))
