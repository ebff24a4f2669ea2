"""The same platform behaviour on PostgreSQL (``LOA_TEST_POSTGRES_URL``): each test gets a fresh schema.

The test functions are the SQLite ones, loaded from their modules and re-run here under the
``postgres`` marker (the fixtures in conftest.py switch the database by that marker).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from central import migrations
from central.db import database, is_postgres

pytestmark = pytest.mark.postgres

_REUSED = {
    "test_areas": ["test_import_csv_any_order_and_update", "test_list_areas_is_scoped"],
    "test_assets": ["setup", "test_ranges", "test_whole_asset"],
    "test_audit": ["logged", "test_filters_by_person_object_action_area_and_local_days",
                   "test_csv_has_every_matching_row_for_excel", "test_the_migration_places_old_rows",
                   "test_step_5_brings_a_version_4_database_forward"],
    "test_auth": ["test_login_throttle_by_name_and_by_address"],
    "test_enrollment": ["test_failures_from_one_address_are_throttled_with_retry_after",
                        "test_the_wait_ends_when_enough_failures_age_out"],
    "test_enrollment_revoke": ["test_revocation_refuses_the_next_call_and_voids_unused_codes"],
    "test_manifest": ["test_etag_304_and_gzip", "test_manifest_holds_what_the_station_needs_and_is_signed",
                      "test_playlist_items_chimes_and_pauses", "test_version_grows_on_every_kind_of_change"],
    "test_models": ["test_aware_times_are_stored_as_utc_and_come_back_aware"],
    "test_playlogs": ["test_an_invalid_log_refuses_the_whole_batch",
                      "test_batch_is_stored_and_resend_counts_duplicates", "test_batch_limits"],
    "test_station_api": ["test_enroll_returns_token_key_and_time_once", "test_a_code_works_once_under_concurrent_use",
                         "test_heartbeat_is_stored_and_marks_station_online"],
    "test_text_guard": ["test_a_nul_in_a_json_body_is_422_and_nothing_is_stored",
                        "test_a_nul_in_a_query_or_a_path_is_422",
                        "test_a_nul_in_a_login_form_is_refused_not_a_server_error"],
    "test_stations": ["test_play_logs_listing_filters_and_scope", "test_station_health_and_scope"],
}


def _load(name: str) -> object:
    spec = importlib.util.spec_from_file_location(f"_pg_{name}", Path(__file__).with_name(f"{name}.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


for _module, _names in _REUSED.items():
    _loaded = _load(_module)
    for _name in _names:
        globals()[_name] = getattr(_loaded, _name)


def test_runs_on_postgres_with_the_same_migrations(app, db):
    assert is_postgres()
    assert migrations.current(database.obj) == migrations.latest()
    assert migrations.apply(database.obj) == []


def test_an_older_postgres_database_is_brought_forward(app, db):
    from central.migrations import m0003_playlog_station_time as m3
    from central.models import SchemaVersion

    pg = database.obj
    pg.execute_sql(f'DROP INDEX "{m3.INDEX}"')
    SchemaVersion.delete().execute()
    SchemaVersion.create(version=2)  # as a database made before migration 3 would say
    assert migrations.apply(pg) == list(range(3, migrations.latest() + 1))
    assert m3.INDEX in {i.name for i in pg.get_indexes("play_log")}


def test_step_4_on_postgres(app, db):
    test_migrations = _load("test_migrations")
    pg = database.obj
    legacy = test_migrations.legacy_database(pg, app.config["DATA_DIR"])
    assert migrations.apply(pg) == list(range(4, migrations.latest() + 1))
    test_migrations.check_step_4(pg, *legacy)
