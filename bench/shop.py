"""What the benchmarks that buy share: the demo shop with bench shoppers,
the catalog they buy from, and a browser's ways through the forms (log in,
add to the cart, check out by bank transfer, the treasurer's confirmation),
each reading the fields and the CSRF token from the page as a browser would.
Used by bench/mixed.py and bench/checkout.py."""

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import requests
import sqlalchemy as sa
from sqlalchemy.engine import URL

from bench import bulk

PASSWORD = "bench-pembeli-123"
TREASURER = ("bendahara@demo.aspikmas.id", "demo-bendahara")
TIMEOUT = 60
ADDRESS = "Jl. Overste Isdiman 12, RT 02/RW 03"
DESA = "Karangrau"


def shopper_email(number: int) -> str:
    return f"pembeli{number}@bench.aspikmas.id"


# --- the shop's data --------------------------------------------------------------------------


def prepare(url: URL, shoppers: int, upload_dir: Path) -> None:
    """A fresh database with the demo shop and `shoppers` verified shoppers."""
    bulk.recreate(url)
    bulk.migrate(url)
    env = os.environ | {
        "DATABASE_URL": url.render_as_string(hide_password=False),
        "APP_ENV": "development",
        "FLASK_APP": "wsgi",
        "UPLOAD_DIR": str(upload_dir),
    }
    flask = Path(sys.executable).with_name("flask")
    done = subprocess.run(
        [str(flask), "seed-demo"],
        check=False,
        cwd=bulk.PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise SystemExit(f"flask seed-demo failed:\n{done.stdout}{done.stderr}")
    add_shoppers(url, shoppers)


def add_shoppers(url: URL, count: int) -> None:
    """`count` verified shoppers, pembeli<n>@bench.aspikmas.id, one password
    (hashed once: the hash is what costs, and each login still verifies it);
    those there already are left as they are."""
    from sqlalchemy import select

    from marketplace import create_app
    from marketplace.accounts.models import Role, User, UserRole
    from marketplace.accounts.passwords import hash_password
    from marketplace.extensions import db

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url.render_as_string(hide_password=False), "TESTING": False}
    )
    with app.app_context():
        password_hash = hash_password(PASSWORD)
        now = datetime.now(UTC)
        there = set(db.session.scalars(select(User.email)))
        for number in range(count):
            if shopper_email(number) in there:
                continue
            user = User(
                email=shopper_email(number),
                name=f"Pembeli Bench {number}",
                whatsapp=f"0812{number:08d}",
                password_hash=password_hash,
                role_rows=[UserRole(role=Role.SHOPPER)],
                created_at=now,
            )
            user.email_verified_at = now
            db.session.add(user)
        db.session.commit()


@dataclass
class Catalog:
    products: list[str]  # /produk/<id>-<slug>, most popular first
    product_ids: list[int]
    # product id -> (member id, "pickup") or (member id, a kecamatan it delivers to)
    ways: dict[int, tuple[int, str | int]]
    shops: list[str]
    kecamatan: list[str]
    categories: list[str]

    def address(self, product_id: int) -> str:
        return self.products[self.product_ids.index(product_id)]


def catalog(url: URL) -> Catalog:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        products = connection.execute(
            sa.text(
                "SELECT p.id, p.slug FROM products p JOIN members m ON m.id = p.member_id "
                "WHERE p.status = 'active' AND m.status = 'approved' AND p.total_stock > 0 "
                "ORDER BY p.sold_count DESC, p.id"
            )
        ).all()
        ways = {}
        for id_, member_id, pickup, kecamatan_id in connection.execute(
            sa.text(
                "SELECT p.id, m.id, m.offers_pickup, min(r.kecamatan_id) FROM products p "
                "JOIN members m ON m.id = p.member_id "
                "LEFT JOIN delivery_rates r ON r.member_id = m.id GROUP BY p.id, m.id"
            )
        ):
            if pickup or kecamatan_id is not None:
                ways[id_] = (member_id, "pickup" if pickup else kecamatan_id)
        shops = connection.scalars(sa.text("SELECT slug FROM members WHERE status = 'approved'"))
        kecamatan = connection.scalars(sa.text("SELECT slug FROM kecamatan"))
        categories = connection.scalars(sa.text("SELECT slug FROM categories"))
        found = Catalog(
            products=[f"/produk/{id_}-{slug}" for id_, slug in products],
            product_ids=[id_ for id_, _ in products],
            ways=ways,
            shops=list(shops),
            kecamatan=list(kecamatan),
            categories=list(categories),
        )
    engine.dispose()
    return found


# --- forms, as a browser reads them -----------------------------------------------------------


class Form(HTMLParser):
    """The fields of the form posting to `action`, as a browser would send
    them, and the options of each of its selects."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action = action
        self.inside = False
        self.fields: dict[str, str] = {}
        self.options: dict[str, list[str]] = {}
        self.select: str | None = None
        self.url = action  # the form's own action, its query string included

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = urlsplit(a.get("action") or "").path.endswith(self.action)
            if self.inside:
                self.url = a.get("action") or self.action
        if not self.inside or "disabled" in a:
            return
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button"):
            if a.get("type") in ("radio", "checkbox"):
                if "checked" in a or (a.get("type") == "radio" and name not in self.fields):
                    self.fields[name] = a.get("value") or ""
            else:
                self.fields[name] = a.get("value") or ""
        elif tag == "textarea" and name:
            self.fields[name] = ""
        elif tag == "select" and name:
            self.select = name
        elif tag == "option" and self.select:
            self.options.setdefault(self.select, []).append(a.get("value") or "")
            if "selected" in a or self.select not in self.fields:
                self.fields[self.select] = a.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None


def read_form(page: str, action: str) -> Form:
    parser = Form(action)
    parser.feed(page)
    return parser


def form_of(page: str, action: str) -> dict[str, str]:
    return read_form(page, action).fields


def log_in(http: requests.Session, base: str, email: str, password: str) -> None:
    page = http.get(base + "/akun/masuk", timeout=TIMEOUT).text
    fields = form_of(page, "/akun/masuk") | {"email": email, "password": password}
    response = http.post(base + "/akun/masuk", data=fields, allow_redirects=False, timeout=TIMEOUT)
    if response.status_code != 302:
        raise RuntimeError(f"login of {email} answered {response.status_code}")


# --- buying -------------------------------------------------------------------------------------


class Refused(Exception):
    """The shop said no (sold out meanwhile, or a form it did not accept)."""


def add_to_cart(http: requests.Session, base: str, address: str, pick) -> int:
    """From the product page at `address`: one piece of the variant `pick`
    chooses among those in stock (the page's select, or its one variant),
    with the visitor's token from /keranjang/token, as static/js/cart.js
    asks for it. The variant id, or Refused when none is in stock."""
    page = http.get(base + address, timeout=TIMEOUT).text
    form = read_form(page, "/keranjang/tambah")
    variants = form.options.get("variant_id") or (
        [form.fields["variant_id"]] if form.fields.get("variant_id") else []
    )
    if not variants:
        raise Refused("sold out")
    token = http.get(base + "/keranjang/token", timeout=TIMEOUT).json()["csrf_token"]
    variant = pick(variants)
    http.post(
        base + "/keranjang/tambah",
        data=form.fields | {"csrf_token": token, "variant_id": variant, "quantity": "1"},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    return int(variant)


def check_out(http: requests.Session, base: str, member_id: int, way: str | int) -> str:
    """The checkout form as the page fills it, with an address, the delivery
    choice for `member_id` and bank transfer: the order's code, or Refused."""
    page = http.get(base + "/checkout", allow_redirects=False, timeout=TIMEOUT)
    if page.status_code != 200:
        raise Refused(f"checkout page {page.status_code}")
    form = read_form(page.text, "/checkout")
    fields = form.fields | {"address": ADDRESS, "desa": DESA, "payment_method": "bank_transfer"}
    if way == "pickup":  # the shopper's kecamatan as the form has it, else the first listed
        places = [value for value in form.options.get("kecamatan", []) if value != "0"]
        if fields.get("kecamatan", "0") == "0" and places:
            fields["kecamatan"] = places[0]
        fields[f"pengiriman-{member_id}"] = "pickup"
    else:
        fields |= {"kecamatan": str(way), f"pengiriman-{member_id}": "delivery"}
    response = http.post(base + "/checkout", data=fields, allow_redirects=False, timeout=TIMEOUT)
    placed = re.search(r"/pesanan/([A-Z0-9-]+)$", response.headers.get("Location", ""))
    if not placed:
        raise Refused(f"checkout answered {response.status_code}")
    return placed.group(1)


def empty_cart(http: requests.Session, base: str) -> None:
    """Take every line out of the cart, through the cart page's own forms."""
    page = http.get(base + "/keranjang", timeout=TIMEOUT).text
    token = http.get(base + "/keranjang/token", timeout=TIMEOUT).json()["csrf_token"]
    for variant_id in set(re.findall(r'name="variant_id" value="(\d+)"', page)):
        http.post(
            base + "/keranjang/ubah",
            data={"csrf_token": token, "variant_id": variant_id, "quantity": 0, "hapus": "1"},
            allow_redirects=False,
            timeout=TIMEOUT,
        )


def confirm_transfer(http: requests.Session, base: str, code: str, amount: int) -> int:
    """The treasurer finds the order in the transfer queue by its code and
    confirms `amount` (what the bank statement shows) through the row's own
    form: the answer's status (302 when confirmed)."""
    action = f"/bendahara/transfer/{code}/konfirmasi"
    page = http.get(base + "/bendahara/transfer", params={"q": code}, timeout=TIMEOUT).text
    form = read_form(page, action)
    fields = form.fields
    amount_field = next((name for name in fields if name.endswith("amount")), None)
    if amount_field is None:
        return 404  # not in the queue (confirmed already, or expired)
    fields[amount_field] = str(amount)
    response = http.post(base + form.url, data=fields, allow_redirects=False, timeout=TIMEOUT)
    return response.status_code


def transfer_totals(url: URL, codes: list[str]) -> dict[str, int]:
    """What each order asks to be transferred (the statement the treasurer reads)."""
    if not codes:
        return {}
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        statement = sa.text("SELECT code, total FROM orders WHERE code IN :codes").bindparams(
            sa.bindparam("codes", expanding=True)
        )
        found = {code: total for code, total in connection.execute(statement, {"codes": codes})}
    engine.dispose()
    return found
