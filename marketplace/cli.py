"""Registers each domain's commands on the app."""

from flask import Flask

from marketplace import demo
from marketplace.accounts import cli as accounts_cli


def register(app: Flask) -> None:
    app.cli.add_command(demo.seed_demo)
    app.cli.add_command(accounts_cli.group)
