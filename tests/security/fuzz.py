"""The parts of the route fuzzer (tests/security/test_fuzz_routes.py): the
world it visits, who visits it, what the pages show (forms and query
parameters) and the hostile values it sends.

The world is rebuilt from scratch before each route that writes, with the
same ids every time, so that what one route's fuzzing changed (an order
paid, a member suspended) never hides another route's code."""

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from urllib.parse import parse_qsl, quote, urljoin, urlsplit

import sqlalchemy as sa
from flask import Flask
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Rule

from marketplace.accounts import tokens
from marketplace.accounts.models import Role
from marketplace.catalog import photos, previews
from marketplace.catalog.certificates.rules import SCAN_FOLDER
from marketplace.catalog.models import CertificateStatus
from marketplace.chapters import services as chapter_services
from marketplace.core.storage import storage
from marketplace.extensions import db
from marketplace.ledger.models import LedgerTransaction
from marketplace.members.models import MemberStatus
from marketplace.mentoring import services as mentoring
from marketplace.orders import fulfilment, reviews
from marketplace.payments import bank_transfer
from marketplace.payments.models import StripeCheckout
from marketplace.treasury import statement
from marketplace.treasury.models import StatementLine
from tests import factories
from tests.catalog.certificate_data import certificate
from tests.conftest import empty_database
from tests.mentoring.helpers import mentors_draft, running_pairing, visit_with_photos
from tests.orders.helpers import cart_with, checkout, deliver_to, variant
from tests.security import files
from tests.treasury.payout_helpers import banked_member, earn, prepared_batch

# --- hostile values --------------------------------------------------------------

HOSTILE = {
    "NUL": "\x00",
    "NUL inside": "Toko\x00Sri",
    "control characters": "a\x01\x08\x1b\x7fb",
    "2^31": str(2**31),
    "2^63": str(2**63),
    "10^20": str(10**20),
    "-1": "-1",
    "0": "0",
    "Arabic-Indic digits": "١٢٣",
    "full-width digits": "１２３",
    "superscript digits": "²³",
    "unicode": "Ñandú ☕ 💥 \u202e ﷽",
    "10 KB": "9" * 10_240,
    "dots": "..",
    "path": "../../etc/passwd",
}
# What the other visitors get (those turned away by the login page or a 403,
# and those between the first and the last who get in): enough to
# show a guard that reads the value before it checks who asks.
TURNED_AWAY = ("NUL", "2^31", "Arabic-Indic digits", "superscript digits")
# What each field gets alone, the rest of its form left as the page filled it.
ONE_FIELD = (
    "NUL inside",
    "2^31",
    "10^20",
    "Arabic-Indic digits",
    "superscript digits",
    "10 KB",
)
# Query-string names beyond those the pages show in their links and forms.
QUERY_NAMES = (
    "q", "hal", "page", "per_page", "per_halaman", "kategori", "kecamatan", "harga_min",
    "harga_max", "tersedia", "sertifikat", "urut", "status", "next", "token", "code",
    "junk",
)  # fmt: skip


def path_segment(value: str) -> str:
    return quote(value, safe="")


# --- the world -------------------------------------------------------------------

ROLES = ("anonymous", "shopper", "member", "treasurer", "admin", "mentor")


@dataclass
class World:
    """Everything the routes ask for, owned by the people of ROLES."""

    users: dict[str, int]  # role -> user id ("anonymous" has none)
    values: dict[str, str]  # what fills each route parameter, see `value`


def _restart_ids(snapshot: dict) -> None:
    """PostgreSQL sequences go on after a delete: start the emptied tables'
    ids at 1 again, as SQLite does, so each rebuilt world has the same ids."""
    with db.engine.begin() as connection:
        if connection.dialect.name != "postgresql":
            return
        for table in db.metadata.sorted_tables:
            if table.name in snapshot or "id" not in table.c:
                continue
            connection.execute(
                sa.text("SELECT setval(pg_get_serial_sequence(:table, 'id'), 1, false)"),
                {"table": table.name},
            )


def build_world(app: Flask, snapshot: dict) -> World:
    """Empty the database, then make the world (inside an app context)."""
    empty_database(snapshot)
    _restart_ids(snapshot)
    member = factories.MemberFactory()
    deliver_to(member, "sokaraja")
    first = variant(member=member, price=15_000, stock=50)
    product = first.product
    product.variants.append(factories.VariantFactory.build(name="Pedas", price=16_000, position=1))
    photo = photos.add_photos(product=product, uploads=[files.picture()], store=storage())[0]
    scan = storage().save(files.pdf(), folder=SCAN_FOLDER, suffix=".pdf")
    # The shop's, with the product ticked: its member's and the admin's product pages have forms.
    held = certificate(member, ticks=[product], status=CertificateStatus.PENDING, scan_key=scan)
    buyer = factories.UserFactory(roles=[Role.SHOPPER])
    treasurer = factories.UserFactory(roles=[Role.TREASURER])
    admin = factories.UserFactory(roles=[Role.ADMIN])
    paid = checkout(buyer, cart_with(buyer, (first, 2)))
    awaiting = checkout(buyer, cart_with(buyer, (first, 1)))
    refunded = checkout(buyer, cart_with(buyer, (first, 1)))
    for order in (paid, refunded):
        db.session.flush()
        bank_transfer.confirm(order=order, amount=order.total, by=treasurer)
    refund_part = refunded.parts[0]
    fulfilment.cancel_part(part=refund_part, member=member, reason="Stok habis.")
    by_card = checkout(buyer, cart_with(buyer, (first, 1)), payment_method="stripe")
    db.session.add(
        StripeCheckout(
            order_id=by_card.id,
            session_id="cs_test_fuzz_world",
            url="https://checkout.stripe.com/c/pay/cs_test_fuzz_world",
            amount=by_card.total * 100,
            currency="idr",
            expires_at=by_card.expires_at,
            livemode=False,
        )
    )
    # A completed order of both variants: one line reviewed (and reported),
    # the other waiting for its review on the order page.
    completed = checkout(buyer, cart_with(buyer, (first, 1), (product.variants[1], 1)))
    db.session.flush()
    bank_transfer.confirm(order=completed, amount=completed.total, by=treasurer)
    done = completed.parts[0]
    fulfilment.start_processing(part=done, member=member)
    fulfilment.dispatch(part=done, member=member)
    fulfilment.complete(part=done, member=member)
    review = reviews.write_review(line=done.lines[0], buyer=buyer, rating=4, text="Enak.")
    db.session.flush()
    reviews.report_review(review=review, reporter=admin, reason="Periksa")
    cart_with(buyer, (first, 1))  # so that /checkout shows its form
    # A bank statement line that pays the awaiting order.
    credit = f"tanggal;keterangan;jumlah\n{date.today():%d/%m/%Y};TRF;{awaiting.total}\n"
    statement.import_statement(data=credit.encode(), filename="mutasi.csv", by=treasurer)
    payee = banked_member()  # a payout batch waiting for the admin, with its line
    earn(payee, 50_000)
    batch = prepared_batch(payee, by=treasurer)
    # An officer of the member's kecamatan chapter, and an application there.
    appointment = chapter_services.appoint(
        user=factories.UserFactory(), kecamatan=member.kecamatan, by=admin
    )
    applicant = factories.MemberFactory(
        kecamatan=member.kecamatan, status=MemberStatus.PENDING, user=factories.UserFactory()
    )
    pairing = running_pairing(member, admin)  # the mentor's member is the member's shop
    # A draft the mentor wrote for the member, and a visit with its photo.
    draft = mentors_draft(pairing, name="Draf dari pendamping")
    visit_photo = visit_with_photos(pairing).photos[0]
    db.session.commit()
    values = {
        "product_id": str(product.id),
        "photo_id": str(photo.id),
        "part_id": str(paid.parts[0].id),
        "treasury.refund_paid:part_id": str(refund_part.id),
        "certificate_id": str(held.id),
        "member_id": str(member.id),
        "batch_id": str(batch.id),
        "line_id": str(batch.lines[0].id),
        "category_id": str(product.category_id),
        "cohort_id": str(pairing.mentor.cohort_id),
        "pairing_id": str(pairing.id),
        "mentoring.edit_draft:product_id": str(draft.id),
        "mentoring.visit_photo:photo_id": str(visit_photo.id),
        "mentoring.visit_photo:width": "320",
        "mentoring.visit_photo:kind": "webp",
        "mentoring.invitation:token": tokens.make_invite_token(
            kind=mentoring.INVITE_KIND,
            invitation_id=pairing.mentor.id,
            email=pairing.mentor.email,
            secret_key=app.config["SECRET_KEY"],
        ),
        "code": awaiting.code,
        "review_id": str(review.id),
        "orders.reviews.write:code": completed.code,
        "orders.reviews.write:line_id": str(done.lines[1].id),
        # The treasurer's card buttons (Stripe is not set up here: they say so).
        "treasury.sync_card:code": by_card.code,
        "treasury.retry_card_fee:code": by_card.code,
        "treasury.confirm_statement_line:line_id": str(
            db.session.scalar(sa.select(sa.func.min(StatementLine.id)))
        ),
        "treasury.reverse_transaction:transaction_id": str(
            db.session.scalar(sa.select(sa.func.min(LedgerTransaction.id)))
        ),
        "treasury.monthly_report:month": "2026-01",
        "treasury.monthly_report_pdf:month": "2026-01",
        "catalog.category:slug": product.category.slug,
        "catalog.kecamatan:slug": member.kecamatan.slug,
        "catalog.shop:slug": member.slug,
        "catalog.product:slug": product.slug,
        "catalog.product_moved:slug": product.slug,
        "catalog.crawlers.sitemap_part:section": "produk",
        "catalog.crawlers.sitemap_part:page": "1",
        "decision": "bekukan",
        "catalog.manage.product_action:action": "arsipkan",
        "dimensi": "kecamatan",
        "jenis": "csv",
        "treasury.report_drill:key": member.kecamatan.slug,
        "transaction_id": str(db.session.scalar(sa.select(sa.func.min(LedgerTransaction.id)))),
        "key": photo.large_key,
        "static:filename": "css/app.css",
        "appointment_id": str(appointment.id),
        **{
            f"chapters.{endpoint}:slug": member.kecamatan.slug
            for endpoint in (
                "dashboard",
                "members_csv",
                "sales_csv",
                "application",
                "judge",
                "member",
                "create_product",
                "set_stock",
                "edit_product",
                "photo_action",
            )
        },
        "chapters.photo_action:action": "maju",
        "chapters.application:member_id": str(applicant.id),
        "chapters.judge:member_id": str(applicant.id),
        "chapters.judge:action": "rekomendasi",
        "accounts.reset_password:token": tokens.make_reset_token(
            user=buyer, secret_key=app.config["SECRET_KEY"]
        ),
        "accounts.verify_email:token": tokens.make_verify_token(
            user=buyer, secret_key=app.config["SECRET_KEY"]
        ),
        # The link previews' pictures, at their current versions.
        "catalog.previews.product:version": previews.product_card(product).version,
        "catalog.previews.shop:slug": member.slug,
        "catalog.previews.shop:version": previews.shop_card(member).version,
        "catalog.previews.kecamatan:slug": member.kecamatan.slug,
        "catalog.previews.kecamatan:version": previews.kecamatan_card(member.kecamatan).version,
        "catalog.previews.category:slug": product.category.slug,
        "catalog.previews.category:version": previews.category_card(product.category).version,
        "catalog.previews.site:version": previews.site_card().version,
    }
    return World(
        users={
            "shopper": buyer.id,
            "member": member.user_id,
            "treasurer": treasurer.id,
            "admin": admin.id,
            "mentor": pairing.mentor.user_id,
        },
        values=values,
    )


def value(world: World, endpoint: str, name: str) -> str:
    """The good value of route parameter `name` of `endpoint`."""
    found = world.values.get(f"{endpoint}:{name}", world.values.get(name))
    if found is None:
        raise LookupError(
            f"The fuzzer has no value for <{name}> of {endpoint}: add one to build_world."
        )
    return found


def url_of(rule: Rule, world: World, hostile: tuple[str, str] | None = None) -> str:
    """The rule's address with the world's values; `hostile` = (parameter,
    raw text) puts that text in that parameter instead."""

    def fill(match: re.Match) -> str:
        name = match.group(1)
        if hostile and hostile[0] == name:
            return path_segment(hostile[1])
        return path_segment(value(world, rule.endpoint, name))

    return re.sub(r"<(?:[^<>:]+:)?([A-Za-z_]\w*)>", fill, rule.rule)


# --- what the pages show ---------------------------------------------------------


@dataclass
class FoundForm:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)  # as a browser would send them
    optional: set[str] = field(default_factory=set)  # unticked boxes, buttons
    button: tuple[str, str] | None = None  # what a click sends
    files: set[str] = field(default_factory=set)


class PageReader(HTMLParser):
    """The forms of a page (with what a browser would send) and the query
    parameter names of its links."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[FoundForm] = []
        self.link_names: set[str] = set()
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = {name: value or "" for name, value in attrs}
        if tag == "option" and self._select and self.forms:
            self._option(self.forms[-1], a)
        elif tag == "a" and "?" in a.get("href", ""):
            self.link_names |= {name for name, _ in parse_qsl(urlsplit(a["href"]).query)}
        elif tag == "form":
            self.forms.append(FoundForm(a.get("action", ""), a.get("method", "get").upper()))
        elif not self.forms or "name" not in a:
            return
        elif tag == "input":
            self._input(self.forms[-1], a)
        elif tag == "button":
            self._button(self.forms[-1], a)
        elif tag == "select":
            self._select = a["name"]
        elif tag == "textarea":
            self._textarea = a["name"]
            self.forms[-1].fields[a["name"]] = ""

    def _option(self, form: FoundForm, a: dict) -> None:
        """A select sends its selected option, else its first."""
        option = a.get("value", "")
        if "selected" in a:
            form.fields[self._select] = option
        else:
            form.fields.setdefault(self._select, option)

    def _button(self, form: FoundForm, a: dict) -> None:
        """The button a click sends: WTForms' `submit` if there is one, else
        the first; every button is also a field to fuzz."""
        form.optional.add(a["name"])
        if form.button is None or a["name"] == "submit":
            form.button = (a["name"], a.get("value", ""))

    def _input(self, form: FoundForm, a: dict) -> None:
        kind = a.get("type", "text").lower()
        if kind == "file":
            form.files.add(a["name"])
        elif kind in {"submit", "image"}:
            self._button(form, a)
        elif kind in {"checkbox", "radio"}:
            if "checked" in a:
                form.fields[a["name"]] = a.get("value", "on")
            else:
                form.optional.add(a["name"])
        else:
            form.fields[a["name"]] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea and self.forms:
            self.forms[-1].fields[self._textarea] += data


def read_page(html: str) -> PageReader:
    reader = PageReader()
    reader.feed(html)
    return reader


def endpoint_of(app: Flask, page_url: str, action: str, method: str) -> str | None:
    """The endpoint a form on `page_url` posts (or gets) to."""
    target = urlsplit(urljoin(f"http://localhost{page_url}", action or page_url))
    try:
        endpoint, _ = app.url_map.bind("localhost").match(target.path, method=method)
    except HTTPException:
        return None
    return endpoint


def one_of_each(names: set[str]) -> Iterator[str]:
    """A field of each kind: `delivery-0-fee` stands for `delivery-26-fee`,
    `transfer-7-amount` for `transfer-9-amount`."""
    seen = set()
    for name in sorted(names):
        shape = re.sub(r"[0-9]+", "#", name)
        if shape not in seen:
            seen.add(shape)
            yield name
