"""Display names stored before accounts/names.py existed are rewritten by the data migration
0002_display_names_cleaned with the same cleaning: hidden, control and bidi characters stripped, the badge
removed, an empty result falling back to the username; names already clean are left untouched."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from accounts.models import User
from accounts.names import display_name_clean, display_name_repair
from accounts.tests.factories import UserFactory

migration = importlib.import_module("accounts.migrations.0002_display_names_cleaned")

RLO, PDF, ZWSP = "\u202e", "\u202c", "\u200b"
OLD_NAMES = {
    "ada": ("Ada Okafor ✔", "Ada Okafor"),
    "bola": (f"{RLO}alob{PDF}", "alob"),
    "chidi": (f"Chi{ZWSP}di\u3164 ✅", "Chidi"),
    "dayo": (f"{ZWSP}✔\ufe0f{RLO}", "dayo"),  # nothing visible left: the username
    "emeka": ("\uff25meka   Obi", "Emeka Obi"),
    "funke": ("Funke Akindele", "Funke Akindele"),  # already clean: untouched
    "gozie": ("", ""),  # no name: public_name shows the username, as before
}


@pytest.mark.parametrize(("raw", "repaired"), [value for value in OLD_NAMES.values() if value[0]])
def test_repair_agrees_with_the_validator(raw, repaired):
    username = next(name for name, value in OLD_NAMES.items() if value[0] == raw)
    assert display_name_repair(raw, username=username) == repaired
    assert display_name_clean(repaired) == repaired  # what it writes, the validator would accept


def test_repair_keeps_within_the_field_after_nfkc_expands():
    assert len(display_name_repair("\ufdfa" * 10, username="x")) <= 60  # one character, 18 after NFKC


@pytest.mark.django_db
def test_the_migration_function_rewrites_only_unclean_names():
    users = {username: UserFactory(username=username) for username in OLD_NAMES}
    for username, (raw, _) in OLD_NAMES.items():
        User.objects.filter(pk=users[username].pk).update(display_name=raw)
    migration.clean_display_names(django_apps, None)
    stored = dict(User.objects.values_list("username", "display_name"))
    assert stored == {username: repaired for username, (_, repaired) in OLD_NAMES.items()}


@pytest.mark.django_db(transaction=True)
def test_migrating_forward_cleans_what_was_stored_before():
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    executor.migrate([("accounts", "0001_initial")])
    try:
        executor.loader.build_graph()
        old_users = executor.loader.project_state([("accounts", "0001_initial")]).apps.get_model("accounts.User")
        for username, (raw, _) in OLD_NAMES.items():
            old_users.objects.create(username=username, email=f"{username}@example.com", display_name=raw)
        executor.migrate([("accounts", "0002_display_names_cleaned")])
        stored = dict(User.objects.values_list("username", "display_name"))
        assert stored == {username: repaired for username, (_, repaired) in OLD_NAMES.items()}
    finally:
        executor.loader.build_graph()
        executor.migrate(leaves)
