"""The cache fails open while its Redis is away: limits are skipped with one log line, requests still answer."""

import logging
import os
from unittest import mock

import pytest
from django.test import override_settings

from chat.tests.servers import free_port
from livestream.cache import FailOpenRedisCache


def dead_cache() -> FailOpenRedisCache:
    return FailOpenRedisCache(f"redis://127.0.0.1:{free_port()}/0", {"KEY_PREFIX": "t"})


def test_every_call_answers_as_an_empty_writable_cache_while_redis_is_away(caplog):
    away = dead_cache()
    with caplog.at_level(logging.WARNING, logger="livestream.cache"):
        assert away.get("k", "fallback") == "fallback"
        assert away.add("k", 1) is True  # a limit's "first in this window": the request goes through
        assert away.set("k", 1) is None
        assert away.get_many(["a", "b"]) == {}
        assert away.has_key("k") is False
        assert away.delete("k") is False
        assert away.touch("k") is False
        assert away.set_many({"a": 1}) == []
        assert away.delete_many(["a"]) is None
        assert away.clear() is False
        with pytest.raises(ValueError):
            away.incr("k")
    assert [record.getMessage()[:26] for record in caplog.records] == ["cache: Redis is away (Erro"]  # once


def test_after_a_failure_it_does_not_try_redis_again_for_a_moment():
    away = dead_cache()
    away.get("k")
    with mock.patch("django.core.cache.backends.redis.RedisCache.get") as get:
        assert away.get("k", 7) == 7
    get.assert_not_called()
    away._skip_until = 0  # the moment has passed: the next call tries Redis again
    with mock.patch("django.core.cache.backends.redis.RedisCache.get", return_value=3) as get:
        assert away.get("k") == 3
    get.assert_called_once()


def test_an_api_write_behind_a_throttle_and_the_flood_limit_answers_while_redis_is_away(auth_client, caplog):
    from streams.tests.factories import StreamFactory

    stream = StreamFactory(live=True)
    location = f"redis://127.0.0.1:{free_port()}/0"
    caches = {"default": {"BACKEND": "livestream.cache.FailOpenRedisCache", "LOCATION": location}}
    with override_settings(CACHES=caches), caplog.at_level(logging.WARNING, logger="livestream.cache"):
        response = auth_client.post(f"/api/v1/streams/{stream.pk}/chat", {"content": "still here"}, format="json")
    assert response.status_code == 201, response.content
    assert "Redis is away" in caplog.text


@pytest.mark.needs_redis
def test_with_redis_up_it_is_the_ordinary_redis_cache():
    live = FailOpenRedisCache(os.environ["REDIS_URL"], {"KEY_PREFIX": f"t{free_port()}"})
    assert live.add("k", 1, timeout=5) is True
    assert live.add("k", 1, timeout=5) is False  # a limit applies again
    assert live.incr("k") == 2
    live.delete("k")
