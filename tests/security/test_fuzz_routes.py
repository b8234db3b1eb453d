"""No input gives a server error. Every rule of `app.url_map`, with every
method it serves, is visited by every kind of visitor (nobody, a shopper,
the approved member who owns the sample data, the treasurer, an admin) with
hostile values in each route parameter, in every query parameter the app
knows (those its pages link to and their forms ask for, and more), and in
every field of the forms its pages show. Any 500, or any exception that
escapes a view, is a failure naming the route, method, visitor and value.

Built from the URL map: a route added tomorrow is fuzzed tomorrow. A route
whose sample data the world cannot provide (a new parameter name) fails
with a message saying so, and so does a route that no visitor reaches with
good values, so the fuzzer never passes by testing nothing."""

import io
import re
import traceback
from collections import defaultdict
from dataclasses import dataclass, field

import pytest
from flask import Flask
from werkzeug.datastructures import FileStorage
from werkzeug.routing import Rule
from werkzeug.test import TestResponse, encode_multipart

from marketplace.accounts.models import User
from marketplace.extensions import db
from tests import factories
from tests.security.fuzz import (
    HOSTILE,
    ONE_FIELD,
    QUERY_NAMES,
    ROLES,
    TURNED_AWAY,
    FoundForm,
    World,
    build_world,
    endpoint_of,
    one_of_each,
    read_page,
    url_of,
)

SKIPPED_METHODS = {"HEAD", "OPTIONS"}
LOGIN_PATH = "/akun/masuk"


def what_broke(error: Exception) -> str:
    """The exception, and the last line of the shop's code it went through."""
    ours = [
        frame
        for frame in traceback.extract_tb(error.__traceback__)
        if "/marketplace/" in frame.filename
    ]
    place = f" at {ours[-1].filename.split('/marketplace/')[-1]}:{ours[-1].lineno}" if ours else ""
    return f"{type(error).__name__}: {str(error)[:200]}{place}"


@dataclass
class Fuzzer:
    app: Flask
    snapshot: dict
    world: World | None = None
    cookies: dict[str, str] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    reached: set[tuple[str, str]] = field(default_factory=set)  # (rule, method)
    forms: dict[str, FoundForm] = field(default_factory=dict)  # endpoint -> a form posting there
    query_names: set[str] = field(default_factory=lambda: set(QUERY_NAMES))
    requests: int = 0

    # --- the world and its visitors ---------------------------------------------

    def rebuild(self) -> None:
        with self.app.app_context():
            self.world = build_world(self.app, self.snapshot)
            db.session.remove()
        self.cookies = {}
        for role, user_id in self.world.users.items():
            client = self.app.test_client()
            with self.app.app_context():  # a real login row, as the login page makes
                factories.log_in(client, db.session.get_one(User, user_id))
                db.session.remove()
            self.cookies[role] = client.get_cookie(self.app.config["SESSION_COOKIE_NAME"]).value

    def send(
        self, role: str, rule: Rule, method: str, url: str, what: str, data: dict | None = None
    ) -> TestResponse | None:
        """One request from a fresh client (no state carried between
        requests); a 500 or an escaped exception is recorded as a failure."""
        client = self.app.test_client()
        if role in self.cookies:
            client.set_cookie(self.app.config["SESSION_COOKIE_NAME"], self.cookies[role])
        self.requests += 1
        where = f"{method} {rule.rule} ({rule.endpoint}) as {role}, {what}"
        options: dict = {"data": data}
        if data and any(isinstance(value, FileStorage) for value in data.values()):
            # Encoded here, in memory: the test client spools a large body to a
            # temporary file that it never closes.
            boundary, body = encode_multipart(data)
            options = {"data": body, "content_type": f"multipart/form-data; boundary={boundary}"}
        try:
            response = client.open(url, method=method, **options)
        except Exception as error:  # noqa: BLE001 - what PROPAGATE_EXCEPTIONS hands the test client
            self.failures.append(f"{where}: {what_broke(error)}")
            return None
        response.get_data()  # read it all (files too), then let go of what it holds open
        response.close()
        if response.status_code >= 500:
            self.failures.append(f"{where}: HTTP {response.status_code}")
        return response

    def turned_away(self, response: TestResponse | None) -> bool:
        if response is None:
            return False
        if response.status_code in (401, 403, 404, 405):
            return True
        return response.status_code in (301, 302, 303) and response.location.startswith(LOGIN_PATH)

    # --- the pages, with good values ---------------------------------------------

    def crawl(self, rules: list[Rule]) -> dict[tuple[str, str], set[str]]:
        """GET every page as everyone: note who reaches it, its forms and
        its links' query names. Returns who is turned away where."""
        away: dict[tuple[str, str], set[str]] = defaultdict(set)
        for rule in rules:
            if "GET" not in rule.methods:
                continue
            url = url_of(rule, self.world)
            for role in ROLES:
                response = self.send(role, rule, "GET", url, "good values")
                if self.turned_away(response) or response is None:
                    away[(rule.rule, "GET")].add(role)
                    continue
                self.reached.add((rule.rule, "GET"))
                if response.mimetype != "text/html":
                    continue
                page = read_page(response.get_data(as_text=True))
                self.query_names |= page.link_names
                for form in page.forms:
                    if form.method == "GET":
                        self.query_names |= set(form.fields)
                    endpoint = endpoint_of(self.app, url, form.action, form.method)
                    if endpoint is not None and form.method == "POST":
                        self.forms.setdefault(endpoint, form)
        return away

    # --- hostile values ----------------------------------------------------------

    def fuzz_path(self, rule: Rule, method: str, roles: dict[str, tuple[str, ...]]) -> None:
        for name in rule.arguments:
            for role, labels in roles.items():
                for label in labels:
                    url = url_of(rule, self.world, (name, HOSTILE[label]))
                    data = self.form_data(rule.endpoint) if method == "POST" else None
                    self.send(role, rule, method, url, f"<{name}> = {label}", data)

    def fuzz_query(self, rule: Rule, roles: dict[str, tuple[str, ...]]) -> None:
        url = url_of(rule, self.world)
        for role, labels in roles.items():
            for label in labels:
                query = {name: HOSTILE[label] for name in self.query_names}
                self.send(role, rule, "GET", url, f"every query parameter = {label}", query)

    def form_data(self, endpoint: str, changes: dict[str, str] | None = None) -> dict:
        form = self.forms.get(endpoint)
        data: dict = dict(form.fields) if form else {}
        if form and form.button:
            data[form.button[0]] = form.button[1]
        data |= changes or {}
        for name in form.files if form else ():
            data[name] = FileStorage(io.BytesIO(b"bukan gambar"), "foto.jpg")
        return data

    def fuzz_form(self, rule: Rule, roles: dict[str, tuple[str, ...]]) -> None:
        url = url_of(rule, self.world)
        form = self.forms.get(rule.endpoint)
        if form is None:  # a form no page showed: every field name the app uses
            names = {name for found in self.forms.values() for name in found.fields}
        else:
            names = set(form.fields) | form.optional | {"junk"}
        for role, labels in roles.items():
            for label in labels:
                every = {name: HOSTILE[label] for name in names}
                if len(HOSTILE[label]) < 100:  # and in the numbers of names: `pengiriman-²³`
                    every |= {re.sub(r"[0-9]+", HOSTILE[label], n): "1" for n in names}
                self.send(
                    role,
                    rule,
                    "POST",
                    url,
                    f"every field = {label}",
                    self.form_data(rule.endpoint, every),
                )
            if form is not None and labels == tuple(HOSTILE):  # each field alone too
                for name in one_of_each(names):
                    for label in ONE_FIELD:
                        self.send(
                            role,
                            rule,
                            "POST",
                            url,
                            f"field {name} = {label}",
                            self.form_data(rule.endpoint, {name: HOSTILE[label]}),
                        )

    def hostile_sets(self, turned_away: set[str]) -> dict[str, tuple[str, ...]]:
        """Every value for the first and the last visitor who gets in (the
        most and the least privileged, say a guest and an admin in the
        cart); a few for the rest."""
        inside = [role for role in ROLES if role not in turned_away]
        full = {inside[0], inside[-1]} if inside else set()
        return {role: tuple(HOSTILE) if role in full else TURNED_AWAY for role in ROLES}

    def run(self) -> None:
        rules = [rule for rule in self.app.url_map.iter_rules()]
        self.rebuild()
        away = self.crawl(rules)
        for rule in rules:
            if "GET" in rule.methods:
                sets = self.hostile_sets(away[(rule.rule, "GET")])
                self.fuzz_path(rule, "GET", sets)
                self.fuzz_query(rule, sets)
        for rule in rules:
            for method in sorted(rule.methods - SKIPPED_METHODS - {"GET"}):
                self.rebuild()  # what the last route's fuzzing changed is gone
                url = url_of(rule, self.world)
                turned = set()
                for role in ROLES:
                    response = self.send(
                        role, rule, method, url, "good values", self.form_data(rule.endpoint)
                    )
                    if self.turned_away(response):
                        turned.add(role)
                    elif response is not None:
                        self.reached.add((rule.rule, method))
                sets = self.hostile_sets(turned)
                self.fuzz_path(rule, method, sets)
                self.fuzz_form(rule, sets)


@pytest.fixture
def fuzzer(make_app, migrated) -> Fuzzer:
    # Rate limits would turn the login form away after a few tries: not what is tested here.
    return Fuzzer(make_app(RATELIMIT_ENABLED=False), migrated)


def test_no_route_answers_hostile_input_with_a_server_error(fuzzer):
    fuzzer.run()
    unique = list(dict.fromkeys(fuzzer.failures))
    assert not unique, f"{len(unique)} server errors in {fuzzer.requests} requests:\n" + "\n".join(
        unique[:60]
    )
    served = {
        (rule.rule, method)
        for rule in fuzzer.app.url_map.iter_rules()
        for method in rule.methods - SKIPPED_METHODS
    }
    assert served - fuzzer.reached == set(), "no visitor got in with good values"
