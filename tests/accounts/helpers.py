"""Helpers shared by the accounts tests."""

import re

from flask.testing import FlaskClient


def logged_in_user_id(client: FlaskClient) -> str | None:
    """The id of the user the client's session cookie is logged in as (the
    session holds the login key, `<user id>:<secret>`)."""
    with client.session_transaction() as session:
        login_key = session.get("_user_id")
    return login_key.split(":")[0] if login_key else None


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)
