"""Payout statements written before they were private sat at payout-statements/<name>, a public /media/ link.
The migration 0005_payout_statements_private moves them under private/ (the storage API, row by row), so their
creator downloads them from the statement route and /media/ has nothing left."""

import importlib
import re

import pytest
from django.apps import apps as django_apps
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.utils import timezone

from accounts.tests.factories import UserFactory
from conftest import client_for
from wallet.models import Payout
from wallet.payouts import payout_statement, payout_statement_url

pytestmark = pytest.mark.django_db
migration = importlib.import_module("wallet.migrations.0005_payout_statements_private")
CSV = b"date,type,description,coins\r\n"


def payout_of(creator) -> Payout:
    return Payout.objects.create(
        creator=creator,
        coins=1500,
        naira_per_coin="5.00",
        amount_kobo=750_000,
        status=Payout.Status.PAID,
        provider="sandbox",
        provider_reference=f"gnlpo_test_{Payout.objects.count()}",
        recipient_code="RCP_test",
        period_end=timezone.now(),
    )


def test_a_statement_stored_before_moves_under_private_and_downloads_from_its_route(settings):
    creator = UserFactory()
    payout = payout_of(creator)
    old = default_storage.save(f"payout-statements/{creator.username}-20261120-ref.csv", ContentFile(CSV))
    Payout.objects.filter(pk=payout.pk).update(statement=old)  # as written before statements were private

    migration.move_payout_statements(django_apps, None)
    migration.move_payout_statements(django_apps, None)  # again: nothing more to do
    payout.refresh_from_db()
    assert payout.statement.name == "private/" + old and not default_storage.exists(old)
    settings.DEBUG = True
    assert Client().get(f"/media/{old}").status_code == 404
    response = client_for(creator).get(payout_statement_url(payout))
    assert response.status_code == 200 and b"".join(response.streaming_content) == CSV


def test_a_statement_name_is_stored_whole():
    """At FileField's default 100 characters, private/payout-statements/ and a long username did not fit
    (PostgreSQL refused the row)."""
    creator = UserFactory(username="a-creator-with-a-rather-long-username-of-nearly-sixty-chars")
    payout = payout_of(creator)
    payout_statement(payout)
    name = Payout.objects.get(pk=payout.pk).statement.name
    assert len(name) > 100
    assert re.fullmatch(rf"private/payout-statements/{creator.username}-\d{{8}}-{payout.provider_reference}\.csv", name)
