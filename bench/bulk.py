"""A fresh, migrated benchmark database filled with N products, fast: rows
are made in Python in batches and written with SQLAlchemy Core executemany
(no ORM objects), with explicit ids so that variants and images can point at
their product without reading anything back. Names and prices come from the
demo data, so searches and filters hit realistic shares of the catalogue."""

import os
import random
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from time import perf_counter

import sqlalchemy as sa
from slugify import slugify
from sqlalchemy.engine import URL, Connection, Engine, make_url

from marketplace.accounts.models import User, UserRole
from marketplace.accounts.passwords import hash_password
from marketplace.catalog.models import Product, ProductImage, ProductVariant
from marketplace.core.storage import LocalStorage
from marketplace.demo import catalogue, images, people
from marketplace.members.models import Member

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
BATCH = 5_000
SEED = 3302

# Words that make 100k names out of the demo's hundred items.
QUALIFIERS = (
    "",
    "",
    "",
    "Khas Banyumas",
    "Asli",
    "Super",
    "Premium",
    "Spesial",
    "Rumahan",
    "Tradisional",
    "Kemasan Hemat",
    "Grosir",
    "Oleh-oleh",
    "Jumbo",
    "Mini",
    "Pilihan",
    "Organik",
    "Istimewa",
    "Kualitas Ekspor",
    "Resep Simbah",
    "Edisi Lebaran",
    "Kemasan Baru",
    "Favorit",
    "Legendaris",
)
KECAMATAN_WEIGHT = {
    "Purwokerto Barat": 3,
    "Purwokerto Selatan": 3,
    "Purwokerto Timur": 3,
    "Purwokerto Utara": 3,
    "Sokaraja": 3,
    "Cilongok": 2,
    "Baturraden": 2,
}


@dataclass
class SeedReport:
    members: int
    products: int
    public_products: int
    variants: int
    seconds: float


def label(products: int) -> str:
    """1000 -> 1k, 100000 -> 100k: the name of a size in URLs and tables."""
    return f"{products // 1000}k" if products % 1000 == 0 else str(products)


def database_url(template: str, products: int) -> URL:
    return make_url(template.replace("{size}", label(products)))


def recreate(url: URL) -> None:
    """Start from nothing: delete the SQLite file, or drop and create the
    PostgreSQL database (only on this machine)."""
    if url.get_backend_name() == "sqlite":
        path = Path(url.database or "")
        if not url.database or url.database == ":memory:":
            raise SystemExit("the benchmark needs a SQLite file, not an in-memory database")
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    if url.get_backend_name() != "postgresql":
        raise SystemExit(f"unsupported database: {url.get_backend_name()}")
    if (url.host or "localhost") not in LOOPBACK:
        raise SystemExit("the benchmark drops its database: it only runs on 127.0.0.1")
    name = url.database
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        quoted = admin.dialect.identifier_preparer.quote(name)
        connection.execute(sa.text(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)"))
        connection.execute(sa.text(f"CREATE DATABASE {quoted}"))
    admin.dispose()


def migrate(url: URL) -> None:
    """`flask db upgrade`, as a deploy would run it."""
    flask_command(url, "db", "upgrade")


def flask_command(url: URL, *args: str, **env: str) -> None:
    """`flask ARGS` against the database at `url` (with `env` added), as a
    deploy would run it; its output only if it fails."""
    environment = (
        os.environ
        | env
        | {
            "DATABASE_URL": url.render_as_string(hide_password=False),
            "APP_ENV": "development",
            "FLASK_APP": "wsgi",
        }
    )
    flask = Path(sys.executable).with_name("flask")
    done = subprocess.run(
        [str(flask), *args],
        check=False,
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise SystemExit(f"flask {' '.join(args)} failed:\n{done.stdout}{done.stderr}")


def _photos(upload_dir: Path) -> dict[str, tuple[str, str]]:
    """One generated photo (thumbnail and large) per product line, shared by
    every product of that line: the pages still load real files."""
    storage = LocalStorage(upload_dir)
    photos = {}
    for key, line in catalogue.LINES.items():
        image = images.draw_product(
            title=line.items[0].name,
            shop="Pasar Aspikmas",
            shape=line.shape,
            colours=line.colours,
            view=0,
            seed=len(photos),
        )
        thumb, large = images.encode(image)
        photos[key] = (
            storage.save(thumb, folder="bench", suffix=".jpg"),
            storage.save(large, folder="bench", suffix=".jpg"),
        )
    return photos


def _insert(connection: Connection, table: sa.Table, rows: list[dict]) -> None:
    """Many rows per INSERT statement, not one statement per row: with
    RETURNING, SQLAlchemy sends them as VALUES (…), (…), … a thousand at a
    time ("insertmanyvalues"), so the triggers that count per statement
    (search_words, migration 0028) count a thousand products at once; one
    statement per row made 100,000 products take minutes."""
    key = next(iter(table.primary_key.columns))
    for start in range(0, len(rows), BATCH):
        connection.execute(table.insert().returning(key), rows[start : start + BATCH]).all()


def _members(connection: Connection, rng: random.Random, count: int, now: datetime) -> list[dict]:
    kecamatan = connection.execute(sa.text("SELECT id, name FROM kecamatan ORDER BY id")).all()
    weights = [KECAMATAN_WEIGHT.get(name, 1) for _, name in kecamatan]
    password_hash = hash_password(os.urandom(16).hex())  # shared, and nobody knows it
    users, roles, members = [], [], []
    for number in range(1, count + 1):
        shop = people.SHOPS[(number - 1) % len(people.SHOPS)]
        joined = now - timedelta(days=rng.randint(30, 1500))
        users.append(
            {
                "id": number,
                "email": f"anggota{number}@bench.aspikmas.id",
                "name": shop.owner,
                "whatsapp": f"62812{number:08d}",
                "password_hash": password_hash,
                "is_active": True,
                "created_at": joined,
            }
        )
        roles.append({"user_id": number, "role": "member"})
        draw = rng.random()
        status = "approved" if draw < 0.96 else ("pending" if draw < 0.98 else "suspended")
        members.append(
            {
                "id": number,
                "user_id": number,
                "kecamatan_id": rng.choices(kecamatan, weights)[0][0],
                "shop_name": f"{shop.name} {number}",
                "slug": f"toko-{number}",
                "owner_name": shop.owner,
                "desa": shop.desa,
                "address": "",
                "whatsapp": f"62812{number:08d}",
                "description": shop.about,
                "status": status,
                "created_at": joined,
                "approved_at": joined if status == "approved" else None,
                "lines": shop.lines,
            }
        )
    _insert(connection, User.__table__, users)
    _insert(connection, UserRole.__table__, roles)
    _insert(
        connection,
        Member.__table__,
        [{k: v for k, v in m.items() if k != "lines"} for m in members],
    )
    return members


@cache
def _slug(name: str) -> str:
    return slugify(name)[:180]


def _price(rng: random.Random, base: int) -> int:
    step = 5000 if base >= 100_000 else 500
    return max(step, round(base * rng.uniform(0.85, 1.2) / step) * step)


def _products(
    connection: Connection,
    rng: random.Random,
    members: list[dict],
    count: int,
    now: datetime,
    photos: dict[str, tuple[str, str]],
) -> tuple[int, int]:
    categories = dict(connection.execute(sa.text("SELECT slug, id FROM categories")).tuples().all())
    items = {key: line.items for key, line in catalogue.LINES.items()}
    public = variant_id = 0
    for start in range(1, count + 1, BATCH):
        products, variants, covers = [], [], []
        for product_id in range(start, min(start + BATCH, count + 1)):
            member = rng.choice(members)
            key = rng.choice(member["lines"])
            item = rng.choice(items[key])
            name = f"{item.name} {rng.choice(QUALIFIERS)}".strip()
            chosen = sorted(
                rng.sample(
                    range(len(item.options)), min(len(item.options), rng.choice((1, 2, 2, 3)))
                )
            )
            prices, stock = [], 0
            for position, option in enumerate(chosen):
                variant_id += 1
                price = _price(rng, item.options[option][1])
                amount = 0 if rng.random() < 0.1 else rng.randint(1, 150)
                prices.append(price)
                stock += amount
                variants.append(
                    {
                        "id": variant_id,
                        "product_id": product_id,
                        "name": item.options[option][0],
                        "price": price,
                        "stock": amount,
                        "position": position,
                    }
                )
            draw = rng.random()
            status = "active" if draw < 0.93 else ("draft" if draw < 0.97 else "archived")
            public += status == "active" and member["status"] == "approved"
            created = now - timedelta(minutes=rng.randint(0, 3 * 365 * 24 * 60))
            # About a third reviewed, mostly well: what the rating sort and
            # the "★4 ke atas" filter read (the counters, not review rows).
            reviews = rng.choice((0, 0, 0, 0, 1, 2, 5, 12)) if rng.random() < 0.6 else 0
            stars = sum(rng.choice((3, 4, 4, 5, 5, 5)) for _ in range(reviews))
            products.append(
                {
                    "id": product_id,
                    "member_id": member["id"],
                    "category_id": categories[catalogue.LINES[key].category],
                    "name": name,
                    "slug": _slug(name),
                    "description": f"{item.blurb}\n\n{item.details}\n\n"
                    f"Dibuat oleh {member['shop_name']}. {rng.choice(catalogue.NOTES)}",
                    "unit": item.unit,
                    "weight_grams": item.weight_grams,
                    "status": status,
                    "min_price": min(prices),
                    "max_price": max(prices),
                    "total_stock": stock,
                    "sold_count": min(5000, int((rng.paretovariate(1.2) - 1) * 20)),
                    "rating_count": reviews,
                    "rating_sum": stars,
                    "created_at": created,
                    "updated_at": created,
                }
            )
            thumb, large = photos[key]
            covers.append(
                {
                    "id": product_id,
                    "product_id": product_id,
                    "position": 0,
                    "thumb_key": thumb,
                    "large_key": large,
                    "alt": name,
                }
            )
        _insert(connection, Product.__table__, products)
        _insert(connection, ProductVariant.__table__, variants)
        _insert(connection, ProductImage.__table__, covers)
    return public, variant_id


def _after_load(engine: Engine) -> None:
    """Sequences past the explicit ids, then fresh planner statistics."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            for table in ("users", "members", "products", "product_variants", "product_images"):
                connection.execute(
                    sa.text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT coalesce(max(id), 1) FROM {table}))"
                    )
                )
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(sa.text("VACUUM ANALYZE"))
    else:
        with engine.begin() as connection:
            connection.execute(
                sa.text("INSERT INTO products_fts(products_fts) VALUES ('optimize')")
            )
            connection.execute(sa.text("ANALYZE"))


def seed(url: URL, products: int, upload_dir: Path) -> SeedReport:
    """Fill the migrated database at `url` with `products` products."""
    started = perf_counter()
    rng = random.Random(SEED)
    now = datetime.now(UTC)
    engine = sa.create_engine(url)
    if engine.dialect.name == "sqlite":

        @sa.event.listens_for(engine, "connect")
        def _fast_load(connection, _record) -> None:  # only for this loading engine
            connection.execute("PRAGMA synchronous = OFF")

    photos = _photos(upload_dir)
    with engine.begin() as connection:
        members = _members(connection, rng, max(40, products // 100), now)
    with engine.begin() as connection:
        public, variants = _products(connection, rng, members, products, now, photos)
    _after_load(engine)
    engine.dispose()
    return SeedReport(
        members=len(members),
        products=products,
        public_products=public,
        variants=variants,
        seconds=perf_counter() - started,
    )


def count_products(url: URL) -> int | None:
    """How many products the database holds, or None when it has no catalog."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(sa.text("SELECT count(*) FROM products")).scalar_one()
    except sa.exc.SQLAlchemyError:
        return None
    finally:
        engine.dispose()
