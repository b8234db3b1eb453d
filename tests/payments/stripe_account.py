"""The Stripe account behind the fake Stripe server (fake_stripe.py): its
objects (checkout.session, payment_intent, charge, balance_transaction,
refund, payout) shaped like Stripe's, the API endpoints that read and change
them (`ROUTES`), what happens at Stripe without the shop asking (a shopper
pays, a session expires, a refund fails, a payout is paid) and the webhook
bodies that tell the shop about it."""

import json
import re
import secrets
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import stripe
from werkzeug.routing import Map, Rule

MINUTE = 60
SESSION_PARAMS = {
    "mode", "line_items", "client_reference_id", "metadata", "payment_intent_data",
    "expires_at", "success_url", "cancel_url", "customer_email", "locale", "expand",
}  # fmt: skip
REFUND_PARAMS = {"payment_intent", "charge", "amount", "metadata", "reason", "expand"}


class StripeFailure(Exception):
    """An answer in Stripe's error shape."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        should_retry: bool | None = None,
    ) -> None:
        super().__init__(message)
        self.should_retry = should_retry  # sent as Stripe-Should-Retry
        error = {"type": type, "message": message}
        if code:
            error |= {"code": code, "doc_url": f"https://stripe.com/docs/error-codes/{code}"}
        if param:
            error["param"] = param
        self.status = status
        self.body = {"error": error}


def missing(kind: str, object_id: str) -> StripeFailure:
    return StripeFailure(404, f"No such {kind}: '{object_id}'", code="resource_missing", param="id")


def _int(params: dict[str, Any], name: str, *, default: int | None = None) -> int:
    raw = params.get(name)
    if raw is None and default is not None:
        return default
    if not isinstance(raw, str) or not re.fullmatch(r"-?\d+", raw):
        raise StripeFailure(
            400, f"Invalid integer: {raw}", code="parameter_invalid_integer", param=name
        )
    return int(raw)


def _strings(params: dict[str, Any], name: str) -> dict[str, str]:
    value = params.get(name) or {}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise StripeFailure(400, f"Invalid hash: {name}", param=name)
    return value


def _unknown(params: dict[str, Any], known: set[str]) -> None:
    for name in params:
        if name not in known:
            raise StripeFailure(
                400, f"Received unknown parameter: {name}", code="parameter_unknown", param=name
            )


@dataclass
class StripeAccount:
    """Every object by its id; `refund_status` (a new refund's) and
    `livemode` (of new objects and events) are for tests to set."""

    objects: dict[str, dict[str, Any]] = field(default_factory=dict)
    # A new refund's status; card refunds usually succeed at once.
    refund_status: str = "succeeded"
    livemode: bool = False
    # A session's payment_intent_data, for the payment made when it completes.
    _intent_data: dict[str, dict[str, Any]] = field(default_factory=dict)
    _lock: threading.RLock = field(default_factory=threading.RLock)

    def clear(self) -> None:
        with self._lock:
            self.objects.clear()
            self._intent_data.clear()
            self.refund_status = "succeeded"
            self.livemode = False

    def of(self, kind: str) -> list[dict[str, Any]]:
        """The stored objects of one kind (`checkout.session`, `refund`, ...)."""
        return [obj for obj in self.objects.values() if obj["object"] == kind]

    # --- objects ------------------------------------------------------------------

    def _new(self, prefix: str, kind: str, **fields: Any) -> dict[str, Any]:
        obj = {
            "id": f"{prefix}_test_{secrets.token_hex(12)}",
            "object": kind,
            "created": int(time.time()),
            "livemode": self.livemode,
            **fields,
        }
        self.objects[obj["id"]] = obj
        return obj

    def get(self, object_id: str, kind: str) -> dict[str, Any]:
        obj = self.objects.get(object_id)
        if obj is None or obj["object"] != kind:
            raise missing(kind, object_id)
        return obj

    def _expanded(self, obj: dict[str, Any], paths: Iterable[str]) -> dict[str, Any]:
        copy = json.loads(json.dumps(obj))
        for path in paths:
            node = copy
            for name in path.split("."):
                if isinstance(node.get(name), str) and node[name] in self.objects:
                    node[name] = json.loads(json.dumps(self.objects[node[name]]))
                node = node.get(name)
                if not isinstance(node, dict):
                    break
        return copy

    # --- the endpoints (ROUTES) ---------------------------------------------------

    def create_session(self, params: dict[str, Any]) -> dict[str, Any]:
        _unknown(params, SESSION_PARAMS)
        if params.get("mode") != "payment":
            raise StripeFailure(400, "The fake supports mode=payment only.", param="mode")
        if not params.get("success_url"):
            raise StripeFailure(400, "Missing required param: success_url.", param="success_url")
        lines = params.get("line_items")
        if not isinstance(lines, list) or not lines:
            raise StripeFailure(400, "Missing required param: line_items.", param="line_items")
        currencies, total = set(), 0
        for index, line in enumerate(lines):
            price = line.get("price_data") if isinstance(line, dict) else None
            name = f"line_items[{index}]"
            if not isinstance(price, dict) or not (price.get("product_data") or {}).get("name"):
                raise StripeFailure(400, f"Missing price_data or its name in {name}.", param=name)
            quantity = _int(line, "quantity")
            unit_amount = _int(price, "unit_amount")
            if quantity < 1 or unit_amount < 0:
                raise StripeFailure(400, f"Invalid quantity or unit_amount in {name}.", param=name)
            currencies.add(price.get("currency"))
            total += quantity * unit_amount
        if len(currencies) != 1:
            raise StripeFailure(400, "All line items must share one currency.", param="line_items")
        now = int(time.time())
        expires_at = _int(params, "expires_at", default=now + 24 * 60 * MINUTE)
        if expires_at < now + 30 * MINUTE:
            message = "The `expires_at` timestamp must be at least 30 minutes from now."
            raise StripeFailure(400, message, param="expires_at")
        if expires_at > now + 24 * 60 * MINUTE:
            message = "The `expires_at` timestamp must be less than 24 hours from now."
            raise StripeFailure(400, message, param="expires_at")
        intent_data = params.get("payment_intent_data") or {}
        session = self._new(
            "cs",
            "checkout.session",
            amount_subtotal=total,
            amount_total=total,
            cancel_url=params.get("cancel_url"),
            client_reference_id=params.get("client_reference_id"),
            currency=currencies.pop(),
            customer=None,
            customer_details=None,
            customer_email=params.get("customer_email"),
            expires_at=expires_at,
            locale=params.get("locale"),
            metadata=_strings(params, "metadata"),
            mode="payment",
            payment_intent=None,
            payment_method_types=["card"],
            payment_status="unpaid",
            status="open",
            success_url=params["success_url"],
            url=None,
        )
        session["url"] = f"{self.base_url}/c/pay/{session['id']}"
        self._intent_data[session["id"]] = {
            "description": intent_data.get("description"),
            "metadata": _strings(intent_data, "metadata"),
        }
        return session

    def retrieve_session(self, params: dict[str, Any], session_id: str) -> dict[str, Any]:
        return self._expanded(self.get(session_id, "checkout.session"), params.get("expand", []))

    def expire_session_endpoint(self, params: dict[str, Any], session_id: str) -> dict[str, Any]:
        session = self.get(session_id, "checkout.session")
        if session["status"] != "open":
            raise StripeFailure(
                400,
                f'Only Checkout Sessions with a status in ["open"] can be expired; '
                f'{session_id} has the status "{session["status"]}".',
            )
        return self.expire_session(session_id)

    def retrieve_payment_intent(self, params: dict[str, Any], intent_id: str) -> dict[str, Any]:
        return self._expanded(self.get(intent_id, "payment_intent"), params.get("expand", []))

    def create_refund(self, params: dict[str, Any]) -> dict[str, Any]:
        _unknown(params, REFUND_PARAMS)
        intent = self.get(params.get("payment_intent", ""), "payment_intent")
        charge = self.objects.get(intent["latest_charge"] or "")
        if charge is None or charge["status"] != "succeeded":
            message = (
                f"This PaymentIntent ({intent['id']}) does not have a successful charge to refund."
            )
            raise StripeFailure(400, message, code="charge_not_refundable")
        left = charge["amount"] - charge["amount_refunded"]
        amount = _int(params, "amount", default=left)
        if left == 0:
            message = f"Charge {charge['id']} has already been refunded."
            raise StripeFailure(400, message, code="charge_already_refunded")
        if amount > left or amount <= 0:
            message = (
                f"Refund amount ({amount}) is greater than unrefunded amount on charge ({left})"
            )
            raise StripeFailure(400, message, code="amount_too_large", param="amount")
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] == charge["amount"]
        return self._new(
            "re",
            "refund",
            amount=amount,
            balance_transaction=None,
            charge=charge["id"],
            currency=charge["currency"],
            failure_reason=None,
            metadata=_strings(params, "metadata"),
            payment_intent=intent["id"],
            reason=params.get("reason"),
            status=self.refund_status,
        )

    def retrieve_refund(self, params: dict[str, Any], refund_id: str) -> dict[str, Any]:
        return self.get(refund_id, "refund")

    def list_refunds(self, params: dict[str, Any]) -> dict[str, Any]:
        refunds = [
            refund
            for refund in reversed(self.of("refund"))  # newest first
            if params.get("payment_intent") in (None, refund["payment_intent"])
            and params.get("charge") in (None, refund["charge"])
        ]
        if after := params.get("starting_after"):
            ids = [refund["id"] for refund in refunds]
            refunds = refunds[ids.index(after) + 1 :] if after in ids else []
        limit = _int(params, "limit", default=10)
        return {
            "object": "list",
            "data": refunds[:limit],
            "has_more": len(refunds) > limit,
            "url": "/v1/refunds",
        }

    # --- what happens at Stripe ---------------------------------------------------

    def complete_session(
        self, session_id: str, *, payment_status: str = "paid", fee_rupiah: int | None = None
    ) -> dict[str, Any]:
        """The shopper pays on the Checkout page: `paid` for a card,
        `unpaid` for a payment that settles later (`settle_async`)."""
        with self._lock:
            session = self.get(session_id, "checkout.session")
            assert session["status"] == "open", session["status"]
            paid = payment_status == "paid"
            intent_data = self._intent_data.get(session_id, {})
            intent = self._new(
                "pi",
                "payment_intent",
                amount=session["amount_total"],
                amount_received=session["amount_total"] if paid else 0,
                currency=session["currency"],
                description=intent_data.get("description"),
                latest_charge=None,
                metadata=intent_data.get("metadata", {}),
                status="succeeded" if paid else "processing",
            )
            charge = self._new(
                "ch",
                "charge",
                amount=intent["amount"],
                amount_captured=intent["amount"] if paid else 0,
                amount_refunded=0,
                balance_transaction=None,
                captured=paid,
                currency=intent["currency"],
                metadata=intent["metadata"],
                paid=paid,
                payment_intent=intent["id"],
                refunded=False,
                status="succeeded" if paid else "pending",
            )
            intent["latest_charge"] = charge["id"]
            if paid:
                self._settle(charge, fee_rupiah)
            session.update(
                status="complete",
                payment_status=payment_status,
                payment_intent=intent["id"],
                customer_details={"email": session["customer_email"], "name": None},
                url=None,
            )
            return session

    def _settle(self, charge: dict[str, Any], fee_rupiah: int | None) -> None:
        """The charge's balance transaction, with a made-up card fee (3.4 % + Rp2.000)."""
        amount = charge["amount"]
        fee = 100 * (fee_rupiah if fee_rupiah is not None else amount * 34 // 100_000 + 2000)
        balance = self._new(
            "txn",
            "balance_transaction",
            amount=amount,
            available_on=int(time.time()) + 2 * 24 * 60 * MINUTE,
            currency=charge["currency"],
            fee=fee,
            fee_details=[
                {
                    "amount": fee,
                    "application": None,
                    "currency": charge["currency"],
                    "description": "Stripe processing fees",
                    "type": "stripe_fee",
                },
            ],
            net=amount - fee,
            source=charge["id"],
            status="pending",
            type="charge",
        )
        charge.update(balance_transaction=balance["id"], status="succeeded", paid=True)
        charge["amount_captured"] = amount

    def settle_async(
        self, session_id: str, *, succeeded: bool, fee_rupiah: int | None = None
    ) -> dict[str, Any]:
        """A payment that was `unpaid` at completion succeeds or fails."""
        with self._lock:
            session = self.get(session_id, "checkout.session")
            assert (session["status"], session["payment_status"]) == ("complete", "unpaid")
            intent = self.objects[session["payment_intent"]]
            charge = self.objects[intent["latest_charge"]]
            if succeeded:
                self._settle(charge, fee_rupiah)
                intent.update(status="succeeded", amount_received=intent["amount"])
                session["payment_status"] = "paid"
            else:
                intent["status"] = "requires_payment_method"
                charge.update(status="failed", failure_code="insufficient_funds")
            return session

    def expire_session(self, session_id: str) -> dict[str, Any]:
        """The session expires (its time ran out, or it was expired)."""
        with self._lock:
            session = self.get(session_id, "checkout.session")
            assert session["status"] == "open", session["status"]
            session.update(status="expired", url=None)
            return session

    def set_refund_status(
        self, refund_id: str, status: str, *, failure_reason: str = "expired_or_canceled_card"
    ) -> dict[str, Any]:
        """A refund moves on: `failed` gives its amount back to the charge."""
        with self._lock:
            refund = self.get(refund_id, "refund")
            if status == "failed" and refund["status"] != "failed":
                charge = self.objects[refund["charge"]]
                charge["amount_refunded"] -= refund["amount"]
                charge["refunded"] = False
                refund["failure_reason"] = failure_reason
            refund["status"] = status
            return refund

    def create_payout(self, amount_rupiah: int, *, status: str = "paid") -> dict[str, Any]:
        """Stripe pays its balance out to the association's bank account."""
        with self._lock:
            return self._new(
                "po",
                "payout",
                amount=amount_rupiah * 100,
                arrival_date=int(time.time()),
                currency="idr",
                method="standard",
                status=status,
                type="bank_account",
            )

    # --- webhook bodies -----------------------------------------------------------

    def event(
        self,
        type: str,
        obj: dict[str, Any],
        *,
        previous_attributes: dict[str, Any] | None = None,
        created: int | None = None,
        livemode: bool | None = None,
    ) -> bytes:
        """A webhook body as Stripe sends it (pretty-printed JSON, so a body
        parsed and dumped again no longer matches its signature)."""
        data: dict[str, Any] = {"object": json.loads(json.dumps(obj))}
        if previous_attributes is not None:
            data["previous_attributes"] = previous_attributes
        event = {
            "id": f"evt_test_{secrets.token_hex(12)}",
            "object": "event",
            "api_version": stripe.api_version,
            "created": created if created is not None else int(time.time()),
            "data": data,
            "livemode": self.livemode if livemode is None else livemode,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": type,
        }
        return json.dumps(event, indent=2).encode()

    def session_event(self, type: str, session_id: str, **options: Any) -> bytes:
        """`checkout.session.completed`, `.async_payment_succeeded`,
        `.async_payment_failed` or `.expired`, with the session as it is now."""
        assert type.startswith("checkout.session."), type
        return self.event(type, self.get(session_id, "checkout.session"), **options)

    def refund_event(self, refund_id: str, type: str = "refund.updated", **options: Any) -> bytes:
        return self.event(type, self.get(refund_id, "refund"), **options)

    def charge_refunded_event(self, payment_intent_id: str, **options: Any) -> bytes:
        intent = self.get(payment_intent_id, "payment_intent")
        return self.event("charge.refunded", self.objects[intent["latest_charge"]], **options)

    def payout_event(self, payout_id: str, type: str = "payout.paid", **options: Any) -> bytes:
        return self.event(type, self.get(payout_id, "payout"), **options)


ROUTES = Map(
    [
        Rule("/v1/checkout/sessions", methods=["POST"], endpoint="create_session"),
        Rule("/v1/checkout/sessions/<session_id>", methods=["GET"], endpoint="retrieve_session"),
        Rule(
            "/v1/checkout/sessions/<session_id>/expire",
            methods=["POST"],
            endpoint="expire_session_endpoint",
        ),
        Rule(
            "/v1/payment_intents/<intent_id>", methods=["GET"], endpoint="retrieve_payment_intent"
        ),
        Rule("/v1/refunds", methods=["POST"], endpoint="create_refund"),
        Rule("/v1/refunds", methods=["GET"], endpoint="list_refunds"),
        Rule("/v1/refunds/<refund_id>", methods=["GET"], endpoint="retrieve_refund"),
    ]
)
