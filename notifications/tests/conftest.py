from notifications.tests.push_stub import push_service  # noqa: F401 - the fixture
