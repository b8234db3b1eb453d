"""A Checkout request as the shop would make one: an order of two lines and
a delivery fee (Rp35.000), due in two hours, its URLs on PUBLIC_URL."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from marketplace.payments.stripe_api import CheckoutRequest, LineItem

PUBLIC = "https://pasar.aspikmas.test"


def checkout_request(**changes: Any) -> CheckoutRequest:
    request = CheckoutRequest(
        order_code="PA-260101-0007",
        client_reference_id="PA-260101-0007",
        line_items=(
            LineItem(name="Keripik Tempe Sagu 250 g", unit_amount=12_500, quantity=2),
            LineItem(name="Ongkos kirim: Toko Bu Sri", unit_amount=10_000, quantity=1),
        ),
        expires_at=datetime.now(UTC).replace(microsecond=0) + timedelta(hours=2),
        success_url=f"{PUBLIC}/pesanan/PA-260101-0007/kartu?sesi={{CHECKOUT_SESSION_ID}}",
        cancel_url=f"{PUBLIC}/pesanan/PA-260101-0007",
        idempotency_key="checkout:order-7:attempt-1",
        metadata={"order_id": "7", "attempt": "1"},
    )
    return replace(request, **changes)
