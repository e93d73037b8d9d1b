"""Both gift paths write the same rows: one table of scenarios through livestream_gift_send and through the ORM.

On PostgreSQL every gift is written by the plpgsql function; on SQLite by the
ORM (``gifts.services._gift_send_orm``). Each scenario below runs once through
each on PostgreSQL (the ORM path forced), and everything the scenario wrote is
compared field by field: what each call returned or refused, the ledger
transactions and their entries, the sent gifts (combo included), the
idempotency records, every account's balance (stored and exact) and the
room's events. The table runs at two revenue shares: at a half the creator's
and the platform's entries are equal, so only another rate (0.7) tells a
swapped pair of accounts apart. Ids and times are masked: a new row's id
becomes the order in which it first appears, a known object's id its name.
"""

import json
import uuid
from datetime import datetime
from unittest import mock

import pytest
from rest_framework.authtoken.models import Token

from accounts.tests.factories import UserFactory
from gifts import services
from gifts.models import SentGift
from gifts.selectors import sent_gift_payload
from gifts.services import gift_send
from gifts.tests.factories import GiftFactory
from livestream.errors import DomainError
from streams.tests.factories import StreamFactory
from wallet.services import coins_grant
from wallet.tests.ledger_reads import ledger_rows, platform_account, platform_revenue_exact

pytestmark = [pytest.mark.needs_postgres, pytest.mark.django_db(transaction=True)]


def world(coins: int) -> dict:
    """A sender with ``coins``, a creator's live stream, a few gifts and streams that refuse gifts."""
    sender, creator = UserFactory(), UserFactory()
    coins_grant(user=sender, coins=coins, reason="test")
    return {
        "sender": sender,
        "creator": creator,
        "stream": StreamFactory(live=True, creator=creator),
        "ended": StreamFactory(ended=True, creator=creator),
        "closed": StreamFactory(live=True, creator=creator, allow_gifts=False),
        "private": StreamFactory(live=True, creator=creator, visibility="private"),
        "own": StreamFactory(live=True, creator=sender),
        "drum": GiftFactory(name="Talking drum", cost_in_coins=7, animation="drum"),
        "kola": GiftFactory(name="Kola", cost_in_coins=1),
        "crown": GiftFactory(name="Crown", cost_in_coins=3),
        "hidden": GiftFactory(name="Hidden", cost_in_coins=1, is_active=False),
        "token": Token.objects.create(user=sender),
    }


# Each scenario: the sender's coins, then gifts as (stream, gift, quantity, extra keyword arguments).
SCENARIOS = {
    "plain": (50, [("stream", "drum", 1, {})]),
    "plain with a message and a token": (50, [("stream", "drum", 2, {"message": "  E ku ise!  ", "token": True})]),
    "keyed, replayed, reused": (
        50,
        [
            ("stream", "drum", 1, {"idempotency_key": "k1"}),
            ("stream", "drum", 1, {"idempotency_key": "k1"}),
            ("stream", "drum", 2, {"idempotency_key": "k1"}),
            ("stream", "kola", 1, {"idempotency_key": "k2"}),
        ],
    ),
    "anonymous": (50, [("stream", "drum", 1, {"is_anonymous": True})]),
    "combos: named, anonymous and another gift run apart": (
        100,
        [
            ("stream", "kola", 1, {}),
            ("stream", "kola", 1, {}),
            ("stream", "kola", 1, {"is_anonymous": True}),
            ("stream", "crown", 1, {}),
            ("stream", "kola", 1, {"is_anonymous": True}),
            ("stream", "kola", 1, {}),
            ("stream", "kola", 1, {"idempotency_key": "k-combo"}),
        ],
    ),
    "quantity 100": (1000, [("stream", "crown", 100, {}), ("stream", "drum", 100, {})]),
    "one-coin gifts": (3, [("stream", "kola", 1, {}), ("stream", "kola", 1, {}), ("stream", "kola", 1, {})]),
    "every refusal": (
        50,
        [
            ("private", "drum", 1, {}),
            ("missing", "drum", 1, {}),
            ("missing", "hidden", 1, {}),
            ("stream", "hidden", 1, {}),
            ("stream", "missing", 1, {}),
            ("own", "drum", 1, {}),
            ("ended", "drum", 1, {}),
            ("closed", "drum", 1, {}),
            ("stream", "drum", 8, {}),
            ("stream", "drum", 0, {}),
            ("stream", "drum", 101, {}),
            ("stream", "drum", 1, {"message": "x" * 201}),
            ("stream", "drum", 1, {"token": "revoked"}),
            ("stream", "drum", 8, {"idempotency_key": "k-poor"}),
        ],
    ),
    "the sender's last coin": (
        8,
        [("stream", "drum", 1, {}), ("stream", "kola", 1, {}), ("stream", "kola", 1, {}), ("stream", "kola", 1, {})],
    ),
}


MASKED = {"created_at": "<time>", "fingerprint": "<hash of the request, ids included>"}


class Masker:
    """Known ids and names as names; new ids as the order they first appear in; times and hashes as words."""

    def __init__(self, names: dict[str, str]):
        self.names = dict(names)

    def __call__(self, value):
        if isinstance(value, dict):
            return {key: MASKED.get(key) or self(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [self(item) for item in value]
        if isinstance(value, datetime):
            return "<time>"
        if isinstance(value, str) and value in self.names:
            return self.names[value]
        if isinstance(value, uuid.UUID | str):
            try:
                key = str(uuid.UUID(str(value)))
            except ValueError:
                return value
            if key not in self.names:
                self.names[key] = f"new #{len(self.names)}"
            return self.names[key]
        return value


def run(path: str, scenario: str) -> dict:
    """Run a scenario through one path; everything it wrote, masked."""
    coins, steps = SCENARIOS[scenario]
    objects = world(coins)
    names = {str(obj.pk): name for name, obj in objects.items() if name != "token"}
    for role in ("sender", "creator"):
        names[objects[role].username] = f"{role}'s username"
        names[objects[role].display_name] = f"{role}'s name"
    platform_before = platform_revenue_exact()
    outcomes = []
    with (
        mock.patch.object(services, "_uses_function", lambda: path == "function"),
        mock.patch("livestream.events.room_publish") as publish,
    ):
        for stream, gift, quantity, extra in steps:
            extra = dict(extra)
            if extra.get("token") is True:
                extra["token"] = objects["token"].key
            try:
                sent = gift_send(
                    stream_id=objects[stream].pk if stream in objects else uuid.uuid4(),
                    sender=objects["sender"],
                    gift_id=objects[gift].pk if gift in objects else uuid.uuid4(),
                    quantity=quantity,
                    **extra,
                )
            except DomainError as exc:
                outcomes.append(("refused", type(exc).__name__, exc.code, str(exc.detail)))
            else:
                fields = {f.attname: getattr(sent, f.attname) for f in SentGift._meta.concrete_fields}
                outcomes.append(("sent", fields, sent_gift_payload(sent, viewer=objects["sender"])))
    ledger = ledger_rows(users=[objects["sender"], objects["creator"]], exclude_kinds=("grant",))
    for account in ledger["accounts"]:
        names[str(account["id"])] = f"{account['kind']} of {names[str(account['owner_id'])]}"
    if platform_account() is not None:
        names[str(platform_account().pk)] = "the platform"
    mask = Masker(names)
    accounts = ledger["accounts"]

    def fields(row):
        return {name: value for name, value in row.items() if name != "id"}  # sequence numbers: masked

    return mask(
        {
            "outcomes": outcomes,
            "transactions": ledger["transactions"],
            "entries": [fields(row) for row in ledger["entries"]],
            "sent gifts": [
                {f.attname: getattr(row, f.attname) for f in SentGift._meta.concrete_fields}
                for row in SentGift.objects.filter(sender=objects["sender"]).order_by("created_at")
            ],
            "idempotency records": [fields(row) for row in ledger["idempotency records"]],
            "balances": [
                *sorted((a["kind"], names[str(a["owner_id"])], a["balance"], str(a["exact"])) for a in accounts),
                ("the platform's takings", str(platform_revenue_exact() - platform_before)),
            ],
            "room events": [(call.args[0], json.loads(call.args[1])) for call in publish.call_args_list],
        }
    )


# At a half the creator's and the platform's shares are equal: only another rate shows a swap.
SHARES = ["0.5", "0.7"]


@pytest.mark.parametrize("share", SHARES)
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_both_gift_paths_write_the_same_rows(scenario, share, settings):
    settings.CREATOR_REVENUE_SHARE = share
    function, orm = run("function", scenario), run("orm", scenario)
    for part in function:
        assert function[part] == orm[part], part


def test_the_table_covers_what_it_claims(settings):
    """Every refusal's code, a reused key, combos past 1 and unequal fractions of a coin: the table is no stub."""
    settings.CREATOR_REVENUE_SHARE = SHARES[-1]
    codes, combos, fractions = set(), [], set()
    for scenario in SCENARIOS:
        written = run("function", scenario)
        for outcome in written["outcomes"]:
            if outcome[0] == "refused":
                codes.add(outcome[2])
            else:
                combos.append(outcome[1]["combo"])
        fractions |= {entry["amount_micro"] for entry in written["entries"]}
    assert codes >= {
        "not_found",
        "invalid_gift",
        "gifts_disabled",
        "insufficient_coins",
        "invalid_quantity",
        "invalid_message",
        "authentication_failed",
        "idempotency_key_reused",
    }
    # A one-coin gift at 0.7: 0.7 to the creator, 0.3 to the platform, so which account gets which shows.
    assert max(combos) >= 3 and {700_000, 300_000} <= fractions
