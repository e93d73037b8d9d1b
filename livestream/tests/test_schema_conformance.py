"""The OpenAPI schema tells the truth: schemathesis drives every operation of /api/schema/ in-process (WSGI).

Each operation is one test: schemathesis's coverage and fuzzing phases (positive and negative data, a fixed
seed, a bounded number of examples) against seeded data - a live stream and its creator, a viewer with
coins, a gift, a coin package, a chat message - whose ids the generated paths and bodies use most of the
time (the rest are generated, so unknown ids are exercised too). Each example is sent as the viewer, the
creator or an anonymous caller, chosen by a hash of the example itself (so a failure reproduces alone, with
-k, whatever ran before); `ignored_auth` also replays authenticated requests without their token
and with a wrong one. Two stateful tests follow the links schemathesis infers between operations (create a
stream, then read, change and delete it), which is what `use_after_free` needs. An undocumented status, a
body or content type the schema does not describe, an invalid input the API accepts, or a 5xx fails.
"""

import hashlib
import json
import uuid

import hypothesis
import pytest
import schemathesis
from django.core import signals
from django.core.cache import cache
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.core import NotSet
from schemathesis.generation.stateful import run_state_machine_as_test
from schemathesis.specs.openapi import checks as openapi_checks

from accounts.tests.factories import UserFactory
from chat.models import ChatMessage
from gifts.tests.factories import GiftFactory
from livestream.wsgi import application
from streams.tests.factories import CategoryFactory, StreamFactory
from wallet.services import coins_grant
from wallet.tests.factories import CoinPackageFactory

CHECKS = [
    not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_schema_conformance,
    openapi_checks.negative_data_rejection,
    openapi_checks.use_after_free,
    openapi_checks.ignored_auth,
]

CREATOR_ID = uuid.UUID("00000000-0000-4000-8000-00000000c0de")
VIEWER_ID = uuid.UUID("00000000-0000-4000-8000-0000000f0a11")
STREAM_ID = uuid.UUID("00000000-0000-4000-8000-0000005743a1")
GIFT_ID = uuid.UUID("00000000-0000-4000-8000-00000000619f")
PACKAGE_ID = uuid.UUID("00000000-0000-4000-8000-0000000ba5e7")
MESSAGE_ID = uuid.UUID("00000000-0000-4000-8000-000000000e55")
TOKENS = {"viewer": "v" * 40, "creator": "c" * 40, "anonymous": None}
SEEN = 0.8  # how often a path or body names seeded data rather than a generated value

CONFIG = {
    "seed": 20261124,
    "dictionaries": {
        "streams": {"values": [str(STREAM_ID)]},
        "users": {"values": [str(VIEWER_ID), str(CREATOR_ID)]},
        "usernames": {"values": ["ada", "tunde"]},
        "messages": {"values": [str(MESSAGE_ID)]},
        "gifts": {"values": [str(GIFT_ID)]},
        "packages": {"values": [str(PACKAGE_ID)]},
    },
    "parameters": {
        "path.id": {"dictionary": "streams", "probability": SEEN},
        "path.stream_id": {"dictionary": "streams", "probability": SEEN},
        "path.user_id": {"dictionary": "users", "probability": SEEN},
        "path.username": {"dictionary": "usernames", "probability": SEEN},
        "path.message_id": {"dictionary": "messages", "probability": SEEN},
        "body.gift_id": {"dictionary": "gifts", "probability": SEEN},
        "body.package_id": {"dictionary": "packages", "probability": SEEN},
    },
    "generation": {"max-examples": 12, "mode": "all", "database": "none"},
}

schema = schemathesis.openapi.from_wsgi("/api/schema/", application, config=schemathesis.Config.from_dict(CONFIG))


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Django closes a connection left in a transaction when a request finishes; the test's transaction must
    outlive every request (Django's own test client disconnects the same handlers)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def seeded(db):
    """What the requests act on: Ada's live stream with a chat message, Tunde with coins, a gift, a package."""
    creator = UserFactory(id=CREATOR_ID, username="ada")
    viewer = UserFactory(id=VIEWER_ID, username="tunde")
    Token.objects.create(user=creator, key=TOKENS["creator"])
    Token.objects.create(user=viewer, key=TOKENS["viewer"])
    coins_grant(user=viewer, coins=1_000_000, reason="test")
    StreamFactory(id=STREAM_ID, creator=creator, live=True, category=CategoryFactory(slug="music"))
    ChatMessage.objects.create(id=MESSAGE_ID, stream_id=STREAM_ID, user=viewer, content="Hello from Lagos")
    GiftFactory(id=GIFT_ID, cost_in_coins=5)
    CoinPackageFactory(id=PACKAGE_ID)


def _auth(token: str | None) -> dict:
    return {"Authorization": f"Token {token}"} if token else {}


ROLES = ("viewer", "creator", "anonymous")


def role_for(case) -> str:
    """Who sends this example: a function of the example alone (its operation, parameters and body), never of
    which tests ran before it."""
    example = [case.method, case.path, case.path_parameters, case.query, case.headers, case.body, case.media_type]
    text = json.dumps(example, sort_keys=True, default=lambda value: None if isinstance(value, NotSet) else repr(value))
    return ROLES[int.from_bytes(hashlib.sha256(text.encode()).digest()[:8]) % len(ROLES)]


@schema.parametrize()
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])  # the seeded data is the state under test
def test_every_operation_answers_as_documented(case, seeded):
    case.call_and_validate(headers=_auth(TOKENS[role_for(case)]), checks=CHECKS)


def test_an_examples_role_depends_on_the_example_alone():
    streams = schema["/api/v1/streams"]["GET"]
    cases = [streams.Case(query={"q": word}) for word in ("drums", "kora", "talking drum", "juju", "fuji", "apala")]
    roles = [role_for(case) for case in cases]
    assert roles == [role_for(streams.Case(query={"q": case.query["q"]})) for case in cases]  # the same again
    assert len(set(roles)) > 1  # and not one role for everything


class CreatorWorkflow:
    """Sequences along the links schemathesis infers (a stream created, then read, changed, deleted, ...),
    as the creator; `use_after_free` follows what was deleted.

    Each scenario starts from the seeded data and an empty cache and leaves nothing behind (a savepoint rolled
    back): what one scenario wrote (a deleted stream, a throttle's count) cannot change what the next one sees,
    so a failing scenario replays the same way and is reported as itself, not as hypothesis' "flaky" data.
    """

    def setup(self):
        cache.clear()
        self._scenario = transaction.atomic()
        self._scenario._from_testcase = True  # as Django's TestCase marks its own: services' durable blocks nest
        self._scenario.__enter__()

    def teardown(self):
        transaction.set_rollback(True)
        self._scenario.__exit__(None, None, None)

    def get_call_kwargs(self, case):
        return {"headers": _auth(TOKENS["creator"])}

    def validate_response(self, response, case, additional_checks=None, **kwargs):
        case.validate_response(
            response, checks=CHECKS, headers=kwargs.get("headers"), transport_kwargs=kwargs, recorder=self.recorder
        )


def _run(machine, examples: int, steps: int) -> None:
    settings = hypothesis.settings(
        max_examples=examples,
        stateful_step_count=steps,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[hypothesis.Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    run_state_machine_as_test(machine, settings=settings)


class APIWorkflow(CreatorWorkflow, schema.as_state_machine()):
    pass


# The stream's own routes: dense enough that a deleted stream is read again within a few steps.
class StreamLifecycle(
    CreatorWorkflow, schema.include(path_regex=r"^/api/v1/streams(/\{id\}(/[a-z-]+)?)?$").as_state_machine()
):
    pass


def test_linked_operations_answer_as_documented(seeded):
    _run(APIWorkflow, examples=15, steps=6)


def test_a_streams_lifecycle_answers_as_documented(seeded):
    _run(StreamLifecycle, examples=30, steps=8)
