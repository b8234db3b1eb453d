"""The page cache's Redis backend: Flask-Caching's RedisCache, except that
a Redis it cannot reach reads as an empty cache and a write to it is
skipped, logged once per outage (core.outages) instead of a traceback per
request. A page then renders from the database, as a cache miss does.
Counting up the catalog's generation (`inc`) still raises: the caller
decides what a lost invalidation means (catalog.cache)."""

from datetime import timedelta
from typing import Any

from flask_caching.backends.rediscache import RedisCache
from redis import RedisError

from marketplace.core import outages

BACKEND = "Redis cache halaman"


class ResilientRedisCache(RedisCache):
    def get(self, key: str) -> Any:
        try:
            value = super().get(key)
        except RedisError as error:
            outages.failed(BACKEND, error)
            return None
        outages.recovered(BACKEND)
        return value

    def get_many(self, *keys: str) -> list[Any]:
        try:
            values = super().get_many(*keys)
        except RedisError as error:
            outages.failed(BACKEND, error)
            return [None] * len(keys)
        outages.recovered(BACKEND)
        return values

    def add(self, key: str, value: Any, timeout: int | timedelta | None = None) -> Any:
        try:
            return super().add(key, value, timeout=timeout)
        except RedisError as error:
            outages.failed(BACKEND, error)
            return False

    def set(self, key: str, value: Any, timeout: int | timedelta | None = None) -> Any:
        try:
            return super().set(key, value, timeout=timeout)
        except RedisError as error:
            outages.failed(BACKEND, error)
            return False
