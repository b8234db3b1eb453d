"""The page cache's Redis backend: Flask-Caching's RedisCache, except that
a Redis it cannot reach reads as an empty cache and a write to it is
skipped, logged once per outage (core.outages) instead of a traceback per
request. A page then renders from the database, as a cache miss does.
Counting up the catalog's generation (`inc`) still raises: the caller
decides what a lost invalidation means (catalog.cache)."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask_caching.backends.rediscache import RedisCache
from redis import RedisError

from marketplace.core import outages

BACKEND = "Redis cache halaman"


class ResilientRedisCache(RedisCache):
    def _reached(self, call: Callable[[], Any], unreachable: Any) -> Any:
        """`call`'s answer, or `unreachable` while Redis is out of reach."""
        try:
            answer = call()
        except RedisError as error:
            outages.failed(BACKEND, error)
            return unreachable
        outages.recovered(BACKEND)
        return answer

    def get(self, key: str) -> Any:
        return self._reached(lambda: super(ResilientRedisCache, self).get(key), None)

    def get_many(self, *keys: str) -> list[Any]:
        return self._reached(
            lambda: super(ResilientRedisCache, self).get_many(*keys), [None] * len(keys)
        )

    def add(self, key: str, value: Any, timeout: int | timedelta | None = None) -> Any:
        return self._reached(
            lambda: super(ResilientRedisCache, self).add(key, value, timeout=timeout), False
        )

    def set(self, key: str, value: Any, timeout: int | timedelta | None = None) -> Any:
        return self._reached(
            lambda: super(ResilientRedisCache, self).set(key, value, timeout=timeout), False
        )
