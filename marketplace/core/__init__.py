"""Shared building blocks every domain may use. Imports nothing from marketplace."""
