"""The demo's reviews: buyers rate many of the lines of their completed
parts, a few days after each was completed (so within the 60 days the
service allows then), through `orders.reviews` itself, so the products'
averages are the services' own; the member replies to some. The popular
products, sold most, gather the most. The demo shopper writes none: their
completed orders wait on their order page for the reviews a tour shows."""

import random
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from marketplace.core.clock import as_utc
from marketplace.demo.orders.cast import Cast
from marketplace.extensions import db
from marketplace.orders import reviews
from marketplace.orders.models import Order, OrderPart
from marketplace.orders.status import OrderPartStatus

# Of the lines a buyer could review, how many they do.
SHARE_REVIEWED = 0.6
SHARE_REPLIED = 0.5
WORDS = {
    5: [
        "Enak banget, keluarga suka semua. Pasti pesan lagi!",
        "Rasanya mantap, kemasan rapi dan pengiriman cepat.",
        "Kualitasnya bagus, sesuai foto. Terima kasih!",
        "",
    ],
    4: [
        "Enak, cuma kemasannya agak penyok waktu sampai.",
        "Bagus, harga sesuai kualitas.",
        "",
    ],
    3: ["Lumayan, tapi kurang renyah dibanding yang kemarin.", ""],
    2: ["Agak keasinan menurut saya."],
}
RATINGS = [5, 5, 5, 4, 4, 4, 3, 2]
REPLIES = [
    "Matur nuwun sudah belanja, ditunggu pesanan berikutnya!",
    "Terima kasih masukannya, kami perbaiki ya.",
    "Terima kasih, semoga cocok terus!",
]


def add_reviews(cast: Cast, rng: random.Random, *, now: datetime) -> int:
    """Reviews on the completed parts' lines of every buyer but the demo
    shopper; how many were written."""
    parts = db.session.scalars(
        select(OrderPart)
        .join(OrderPart.order)
        .where(
            OrderPart.status == OrderPartStatus.COMPLETED,
            Order.buyer_id != cast.demo_shopper.id,
        )
        .order_by(OrderPart.completed_at, OrderPart.id)
        .options(selectinload(OrderPart.lines), selectinload(OrderPart.member))
    ).all()
    written = 0
    for part in parts:
        assert part.completed_at is not None  # completed parts have their time
        when = as_utc(part.completed_at) + timedelta(days=rng.randint(1, 10))
        if when > now:
            continue
        for line in part.lines:
            if rng.random() > SHARE_REVIEWED:
                continue
            if reviews.review_refusal(line, buyer=part.order.buyer, now=when) is not None:
                continue
            rating = rng.choice(RATINGS)
            review = reviews.write_review(
                line=line,
                buyer=part.order.buyer,
                rating=rating,
                text=rng.choice(WORDS[rating]),
                now=when,
            )
            written += 1
            if rng.random() < SHARE_REPLIED:
                reviews.reply_to_review(
                    review=review,
                    member=part.member,
                    text=rng.choice(REPLIES),
                    now=min(now, when + timedelta(days=1)),
                )
    db.session.flush()
    return written
