"""Registers each domain's commands on the app."""

from flask import Flask

from marketplace import demo
from marketplace.accounts import cli as accounts_cli
from marketplace.catalog import cli as catalog_cli
from marketplace.ledger import cli as ledger_cli
from marketplace.orders import cli as orders_cli
from marketplace.payments import cli as payments_cli
from marketplace.treasury import cli as treasury_cli


def register(app: Flask) -> None:
    app.cli.add_command(demo.seed_demo)
    app.cli.add_command(demo.bank_statement.demo_statement)
    app.cli.add_command(accounts_cli.group)
    app.cli.add_command(catalog_cli.group)
    app.cli.add_command(ledger_cli.group)
    ledger_cli.group.add_command(treasury_cli.close_month_command)
    app.cli.add_command(orders_cli.group)
    app.cli.add_command(payments_cli.group)
