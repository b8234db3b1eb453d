"""Registers each domain's commands on the app."""

from flask import Flask

from marketplace import demo


def register(app: Flask) -> None:
    app.cli.add_command(demo.seed_demo)
