"""Paying members."""

from marketplace.treasury import payouts  # noqa: F401
