"""The one door to Stripe: the only module that imports the `stripe` library.

It takes plain values and gives plain values back:
- money: whole rupiah <-> Stripe's amounts (IDR has two decimals in Stripe's
  API, so Rp15.000 is 1500000);
- a `StripeClient` built from config (STRIPE_SECRET_KEY, STRIPE_API_BASE),
  with explicit timeouts and network retries (every POST carries an
  idempotency key, so a retry never pays or refunds twice);
- Checkout Sessions, the fee Stripe kept on a payment, refunds;
- webhook events, verified against STRIPE_WEBHOOK_SECRET;
- every failure as one `PaymentProviderError`, which says whether trying
  again can help.

Amounts on the session stay in Stripe's units (`amount_total`): compare them
with `to_stripe_amount(order_total)`, so an amount that is not whole rupiah
simply does not match."""

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import stripe
from flask import current_app
from stripe.params import RefundCreateParams
from stripe.params.checkout import SessionCreateParams

from marketplace.payments.errors import (
    CheckoutExpiryOutOfRange,
    InvalidStripeAmount,
    InvalidWebhook,
    PaymentProviderError,
)

log = logging.getLogger("marketplace.payments.stripe")

CURRENCY = "idr"
MINOR_UNITS = 100  # Rp1 is 100 in Stripe's API
# A Checkout Session lives 30 minutes to 24 hours; the margin leaves room for
# the request's way to Stripe and for clocks that differ a little.
SESSION_MIN_LIFETIME = timedelta(minutes=30)
SESSION_MAX_LIFETIME = timedelta(hours=24)
SESSION_LIFETIME_MARGIN = timedelta(minutes=1)
# A request that waits for Stripe holds a worker: 3 tries of at most 2 s
# (connect) + 6 s (answer), and the library's backoff between them (0.5 s,
# then at most 1 s), stay under gunicorn's 30 s. STRIPE_TIMEOUT_SECONDS and
# STRIPE_MAX_NETWORK_RETRIES in config change the answer timeout and retries.
CONNECT_TIMEOUT_SECONDS = 2.0
READ_TIMEOUT_SECONDS = 6.0
MAX_NETWORK_RETRIES = 2
WEBHOOK_TOLERANCE_SECONDS = 300
# Stripe's limits on metadata.
METADATA_KEYS = 50
METADATA_KEY_LENGTH = 40
METADATA_VALUE_LENGTH = 500
_EXTENSION = "payments.stripe_client"


# --- money ----------------------------------------------------------------------


def _whole(value: object, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidStripeAmount(f"{what} harus bilangan bulat, bukan {type(value).__name__}.")
    if value < 0:
        raise InvalidStripeAmount(f"{what} tidak boleh negatif ({value}).")
    return value


def to_stripe_amount(rupiah: int) -> int:
    """Whole rupiah as Stripe's amount: `15000` -> `1500000`."""
    return _whole(rupiah, "Jumlah rupiah") * MINOR_UNITS


def from_stripe_amount(amount: int) -> int:
    """Stripe's amount as whole rupiah: `1500000` -> `15000`. An amount with
    sen (not a multiple of 100) is refused: the shop has no sen."""
    if _whole(amount, "Jumlah dari Stripe") % MINOR_UNITS:
        raise InvalidStripeAmount(f"Jumlah dari Stripe ({amount}) bukan rupiah bulat.")
    return amount // MINOR_UNITS


def _rupiah(amount: object, currency: object) -> int:
    """An amount of a Stripe object, in whole rupiah."""
    if currency != CURRENCY:
        raise InvalidStripeAmount(f"Jumlah dari Stripe dalam {currency!r}, bukan rupiah.")
    return from_stripe_amount(_whole(amount, "Jumlah dari Stripe"))


# --- what goes in and what comes out --------------------------------------------


@dataclass(frozen=True)
class LineItem:
    """One line of the Checkout page: a product, or a delivery fee."""

    name: str
    unit_amount: int  # whole rupiah
    quantity: int


@dataclass(frozen=True)
class CheckoutRequest:
    """Everything a Checkout Session needs, as plain values.

    `expires_at` (aware) must fall 31 minutes to 23 h 59 min from now; derive
    it from the order, not from the clock, so a retry with the same
    `idempotency_key` sends the same parameters. The URLs are absolute, on
    PUBLIC_URL; `success_url` may hold Stripe's `{CHECKOUT_SESSION_ID}`."""

    order_code: str
    client_reference_id: str
    line_items: tuple[LineItem, ...]
    expires_at: datetime
    success_url: str
    cancel_url: str
    idempotency_key: str
    metadata: Mapping[str, str] = field(default_factory=dict)
    customer_email: str | None = None
    currency: str = CURRENCY


@dataclass(frozen=True)
class CheckoutSession:
    """A Checkout Session as Stripe last told it. `status`: open, complete,
    expired; `payment_status`: paid, unpaid, no_payment_required.
    `amount_total` is in Stripe's units (rupiah x 100); `url` is None once
    the session is no longer open."""

    id: str
    url: str | None
    expires_at: datetime
    status: str
    payment_status: str
    amount_total: int | None
    currency: str | None
    payment_intent_id: str | None
    client_reference_id: str | None
    metadata: dict[str, str]
    livemode: bool


@dataclass(frozen=True)
class Refund:
    """A refund: `status` pending, requires_action, succeeded, failed or canceled."""

    id: str
    status: str
    amount_rupiah: int
    payment_intent_id: str | None
    failure_reason: str | None
    metadata: dict[str, str]


@dataclass(frozen=True)
class Payout:
    """Stripe paying its balance out to the association's bank account;
    `arrival_at`: when the bank should have the money."""

    id: str
    status: str
    amount_rupiah: int
    livemode: bool
    arrival_at: datetime | None = None


def _plain(obj: stripe.StripeObject | Mapping[str, Any]) -> dict[str, Any]:
    return obj.to_dict() if isinstance(obj, stripe.StripeObject) else dict(obj)


def _id(value: Any) -> str | None:
    """An expandable field: an id, or the object it names."""
    return value.get("id") if isinstance(value, Mapping) else value


def checkout_session_from(obj: stripe.StripeObject | Mapping[str, Any]) -> CheckoutSession:
    """A Checkout Session from Stripe's object (an API answer or an event's
    `data.object`)."""
    session = _plain(obj)
    return CheckoutSession(
        id=session["id"],
        url=session.get("url"),
        expires_at=datetime.fromtimestamp(session["expires_at"], UTC),
        status=session.get("status") or "",
        payment_status=session.get("payment_status") or "",
        amount_total=session.get("amount_total"),
        currency=session.get("currency"),
        payment_intent_id=_id(session.get("payment_intent")),
        client_reference_id=session.get("client_reference_id"),
        metadata=dict(session.get("metadata") or {}),
        livemode=bool(session.get("livemode")),
    )


def refund_from(obj: stripe.StripeObject | Mapping[str, Any]) -> Refund:
    """A refund from Stripe's object; its amount must be whole rupiah."""
    refund = _plain(obj)
    return Refund(
        id=refund["id"],
        status=refund.get("status") or "",
        amount_rupiah=_rupiah(refund.get("amount"), refund.get("currency")),
        payment_intent_id=_id(refund.get("payment_intent")),
        failure_reason=refund.get("failure_reason"),
        metadata=dict(refund.get("metadata") or {}),
    )


def payout_from(obj: stripe.StripeObject | Mapping[str, Any]) -> Payout:
    """A payout from Stripe's object (`payout.paid`'s `data.object`); its
    amount must be whole rupiah (InvalidStripeAmount)."""
    payout = _plain(obj)
    arrival = payout.get("arrival_date")
    return Payout(
        id=payout["id"],
        status=payout.get("status") or "",
        amount_rupiah=_rupiah(payout.get("amount"), payout.get("currency")),
        livemode=bool(payout.get("livemode")),
        arrival_at=datetime.fromtimestamp(arrival, UTC) if isinstance(arrival, int) else None,
    )


# --- the client -----------------------------------------------------------------


def is_configured() -> bool:
    """Card payments are offered only with both keys: one to call Stripe,
    one to believe its webhooks."""
    config = current_app.config
    return bool(config.get("STRIPE_SECRET_KEY")) and bool(config.get("STRIPE_WEBHOOK_SECRET"))


def is_live_mode() -> bool:
    """Whether the key is a live one: an event's `livemode` must match."""
    return (current_app.config.get("STRIPE_SECRET_KEY") or "").startswith(("sk_live_", "rk_live_"))


def _client() -> stripe.StripeClient:
    """The app's client, built on first use from its config (and again when
    the config changes); never at import time, never a global API key."""
    config = current_app.config
    api_key = config.get("STRIPE_SECRET_KEY")
    if not api_key:
        raise PaymentProviderError(
            "Pembayaran kartu belum diaktifkan di toko ini.",
            detail="STRIPE_SECRET_KEY is not set",
            retryable=False,
        )
    settings = (
        api_key,
        config.get("STRIPE_API_BASE") or None,
        float(config.get("STRIPE_TIMEOUT_SECONDS", READ_TIMEOUT_SECONDS)),
        int(config.get("STRIPE_MAX_NETWORK_RETRIES", MAX_NETWORK_RETRIES)),
    )
    built = current_app.extensions.get(_EXTENSION)
    if built is not None and built[0] == settings:
        return built[1]
    if built is not None:
        built[2].close()
    _, api_base, read_timeout, retries = settings
    http_client = stripe.RequestsClient(timeout=(CONNECT_TIMEOUT_SECONDS, read_timeout))
    client = stripe.StripeClient(
        api_key,
        base_addresses={"api": api_base} if api_base else None,
        max_network_retries=retries,
        http_client=http_client,
    )
    current_app.extensions[_EXTENSION] = (settings, client, http_client)
    return client


@contextmanager
def _calling(action: str) -> Iterator[None]:
    """Turn what `stripe` raises while doing `action` (Indonesian, e.g.
    "membuat pembayaran kartu") into a `PaymentProviderError`."""
    try:
        yield
    except stripe.StripeError as error:
        raise _provider_error(error, action) from error


def _provider_error(error: stripe.StripeError, action: str) -> PaymentProviderError:
    status = error.http_status
    retryable = isinstance(
        error, stripe.APIConnectionError | stripe.RateLimitError | stripe.APIError
    ) or (status is not None and (status >= 500 or status == 409))
    if retryable:
        message = f"Stripe tidak bisa dihubungi saat {action}. Silakan coba lagi sebentar lagi."
    elif isinstance(error, stripe.AuthenticationError | stripe.PermissionError):
        message = f"Stripe menolak kunci toko saat {action}. Pengurus perlu memeriksa pengaturan."
    else:
        message = f"Stripe menolak {action}."
    detail = f"{type(error).__name__}: {error}"
    log.warning("Stripe, %s: %s", action, detail)
    code = error.code or (error.error.code if error.error is not None else None)
    return PaymentProviderError(
        message, detail=detail, retryable=retryable, code=code, http_status=status
    )


# --- Checkout Sessions ----------------------------------------------------------


def _checked_request(request: CheckoutRequest) -> int:
    """Refuse what Stripe would refuse; the session's `expires_at` in epoch seconds."""
    if request.currency != CURRENCY:
        raise ValueError(f"the shop takes rupiah ({CURRENCY}), not {request.currency!r}")
    if not request.line_items:
        raise ValueError("a Checkout Session needs at least one line")
    for item in request.line_items:
        _whole(item.unit_amount, "Harga")
        if not item.name.strip():
            raise ValueError("every line needs a name")
        if not isinstance(item.quantity, int) or isinstance(item.quantity, bool):
            raise TypeError(f"quantity must be int, got {item.quantity!r}")
        if item.quantity < 1:
            raise ValueError(f"quantity must be at least 1, got {item.quantity}")
    if sum(item.unit_amount * item.quantity for item in request.line_items) <= 0:
        raise InvalidStripeAmount("Jumlah yang dibayar harus lebih dari nol.")
    _check_metadata(request.metadata)
    public = urlsplit(current_app.config["PUBLIC_URL"])
    for url in (request.success_url, request.cancel_url):
        parts = urlsplit(url)
        if (parts.scheme, parts.netloc) != (public.scheme, public.netloc):
            raise ValueError(f"{url!r} is not on PUBLIC_URL ({public.geturl()})")
    return _checked_expiry(request.expires_at)


def _check_metadata(metadata: Mapping[str, str]) -> None:
    if len(metadata) > METADATA_KEYS - 1:  # one is the order code
        raise ValueError(f"Stripe takes at most {METADATA_KEYS} metadata keys")
    for key, value in metadata.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise TypeError("metadata keys and values must be strings")
        if not key or len(key) > METADATA_KEY_LENGTH or "[" in key or "]" in key:
            raise ValueError(f"metadata key {key!r}: 1-{METADATA_KEY_LENGTH} characters, no [ ]")
        if len(value) > METADATA_VALUE_LENGTH:
            raise ValueError(
                f"metadata value of {key!r} is over {METADATA_VALUE_LENGTH} characters"
            )


def _checked_expiry(expires_at: datetime) -> int:
    if expires_at.tzinfo is None:
        raise ValueError("expires_at must be timezone-aware")
    now = datetime.now(UTC)
    if expires_at < now + SESSION_MIN_LIFETIME + SESSION_LIFETIME_MARGIN:
        raise CheckoutExpiryOutOfRange(
            "Batas waktu bayar pesanan ini tinggal kurang dari 31 menit: pembayaran kartu "
            "tidak bisa dimulai lagi. Silakan bayar dengan transfer bank."
        )
    if expires_at > now + SESSION_MAX_LIFETIME - SESSION_LIFETIME_MARGIN:
        raise CheckoutExpiryOutOfRange(
            "Batas waktu bayar pesanan ini lebih dari 24 jam lagi, lebih lama dari yang "
            "diizinkan Stripe."
        )
    return int(expires_at.timestamp())


def create_checkout_session(request: CheckoutRequest) -> CheckoutSession:
    """A Checkout Session for an order, in rupiah. The same idempotency key
    with the same request gives the same session (a double click, a retry)."""
    expires_at = _checked_request(request)
    metadata = {**request.metadata, "order_code": request.order_code}
    params: SessionCreateParams = {
        "mode": "payment",
        "line_items": [
            {
                "quantity": item.quantity,
                "price_data": {
                    "currency": request.currency,
                    "unit_amount": to_stripe_amount(item.unit_amount),
                    "product_data": {"name": item.name},
                },
            }
            for item in request.line_items
        ],
        "client_reference_id": request.client_reference_id,
        "metadata": metadata,
        # On the payment too: charges, refunds and the dashboard name the order.
        "payment_intent_data": {
            "description": f"Pesanan {request.order_code}",
            "metadata": metadata,
        },
        "expires_at": expires_at,
        "success_url": request.success_url,
        "cancel_url": request.cancel_url,
        "locale": "id",
    }
    if request.customer_email:
        params["customer_email"] = request.customer_email
    with _calling("membuat pembayaran kartu"):
        session = _client().v1.checkout.sessions.create(
            params, {"idempotency_key": request.idempotency_key}
        )
    return checkout_session_from(session)


def retrieve_checkout_session(session_id: str) -> CheckoutSession:
    """The session as Stripe knows it now (to settle a stuck order)."""
    with _calling("membaca status pembayaran kartu"):
        session = _client().v1.checkout.sessions.retrieve(session_id)
    return checkout_session_from(session)


def expire_checkout_session(session_id: str) -> CheckoutSession:
    """Close an open session so it can no longer be paid. The state it ends
    in: `expired`, or `complete` when the shopper paid first (then the
    payment stands and its webhook will follow). Expiring an expired session
    is harmless."""
    try:
        with _calling("menutup pembayaran kartu"):
            return checkout_session_from(_client().v1.checkout.sessions.expire(session_id))
    except PaymentProviderError as error:
        if error.retryable or error.http_status != 400:
            raise
        session = retrieve_checkout_session(session_id)
        if session.status == "open":  # refused for another reason
            raise
        return session


# --- what the payment cost, and refunds -----------------------------------------


def charge_fee(payment_intent_id: str) -> int:
    """The fee Stripe kept on a payment, in whole rupiah, from the balance
    transaction of the payment's latest charge."""
    with _calling("membaca biaya Stripe"):
        intent = _client().v1.payment_intents.retrieve(
            payment_intent_id, {"expand": ["latest_charge.balance_transaction"]}
        )
    charge = intent.latest_charge
    balance = charge.balance_transaction if isinstance(charge, stripe.Charge) else None
    if not isinstance(balance, stripe.BalanceTransaction):
        raise PaymentProviderError(
            "Biaya Stripe untuk pembayaran ini belum tersedia. Coba lagi nanti.",
            detail=f"{payment_intent_id} has no charge with a balance transaction yet",
            retryable=True,
        )
    return _rupiah(balance.fee, balance.currency)


def create_refund(
    *,
    payment_intent_id: str,
    rupiah: int,
    idempotency_key: str,
    metadata: Mapping[str, str],
) -> Refund:
    """Refund `rupiah` of a payment. One key, one refund: the key names what
    is refunded (e.g. the order part), so a retry never refunds twice."""
    if to_stripe_amount(rupiah) == 0:
        raise InvalidStripeAmount("Jumlah pengembalian dana harus lebih dari nol.")
    _check_metadata(metadata)
    params: RefundCreateParams = {
        "payment_intent": payment_intent_id,
        "amount": to_stripe_amount(rupiah),
        "metadata": dict(metadata),
    }
    with _calling("mengembalikan dana"):
        refund = _client().v1.refunds.create(params, {"idempotency_key": idempotency_key})
    return refund_from(refund)


def retrieve_refund(refund_id: str) -> Refund:
    """A refund as Stripe knows it now."""
    with _calling("membaca pengembalian dana"):
        return refund_from(_client().v1.refunds.retrieve(refund_id))


def list_refunds(payment_intent_id: str) -> list[Refund]:
    """Every refund of a payment, newest first (`charge.refunded` names the
    charge, not the refunds)."""
    with _calling("membaca pengembalian dana"):
        page = _client().v1.refunds.list({"payment_intent": payment_intent_id, "limit": 100})
        return [refund_from(refund) for refund in page.auto_paging_iter()]


# --- webhooks -------------------------------------------------------------------


def verify_event(payload: bytes, signature_header: str | None) -> stripe.Event:
    """The event Stripe sent, once its signature over the raw body is checked
    (timestamp at most 5 minutes old). Every refusal is `InvalidWebhook`."""
    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET")
    if not secret:
        raise InvalidWebhook("Webhook Stripe belum diatur di toko ini.")
    if not signature_header:
        raise InvalidWebhook("Tanda tangan Stripe tidak ada.")
    try:
        event = stripe.Webhook.construct_event(
            payload, signature_header, secret, tolerance=WEBHOOK_TOLERANCE_SECONDS
        )
    except stripe.SignatureVerificationError as error:
        raise InvalidWebhook("Tanda tangan Stripe tidak sah atau sudah kedaluwarsa.") from error
    except (ValueError, TypeError, AttributeError, KeyError) as error:
        # Signed, but not a Stripe event: not JSON, not UTF-8, not an object.
        raise InvalidWebhook("Isi webhook bukan event Stripe.") from error
    if not isinstance(event, stripe.Event) or "id" not in event or "type" not in event:
        raise InvalidWebhook("Isi webhook bukan event Stripe.")
    return event
