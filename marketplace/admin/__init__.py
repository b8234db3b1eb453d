"""The association admin (pengurus): members, certificates."""
