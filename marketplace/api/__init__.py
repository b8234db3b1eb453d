"""The read-only JSON API, version 1, with its OpenAPI document."""
