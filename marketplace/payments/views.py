"""Stripe's webhook, `POST /webhooks/stripe`: the one route without a CSRF
token (Stripe cannot hold one; its signature over the raw body takes the
token's place). Answers: 200 once the event is stored (or was before), 400
for a refused signature, 409 for an event about a session not stored yet
(Stripe delivers it again later). A payment's fee is posted after it."""

import logging

from flask import Blueprint, jsonify, request
from sqlalchemy.exc import IntegrityError

from marketplace.extensions import csrf, db
from marketplace.orders.status import OrderError
from marketplace.payments import stripe_api, stripe_webhook
from marketplace.payments.errors import InvalidWebhook, PaymentError
from marketplace.payments.models import EventOutcome

log = logging.getLogger("marketplace.payments.stripe")

blueprint = Blueprint("payments", __name__)


@blueprint.post("/webhooks/stripe")
@csrf.exempt
def stripe_events():
    try:
        event = stripe_api.verify_event(
            request.get_data(cache=False), request.headers.get("Stripe-Signature")
        )
    except InvalidWebhook as refused:
        log.warning("Stripe webhook refused: %s", refused.message)
        return jsonify(error=refused.message), 400
    try:
        handled = stripe_webhook.handle(event.to_dict())
        db.session.commit()
    except stripe_webhook.NotYetKnown as unknown:
        db.session.rollback()
        log.info("Stripe event %s not handled yet: %s", event["id"], unknown.message)
        return jsonify(error=unknown.message), 409
    except (IntegrityError, PaymentError, OrderError) as refused:
        db.session.rollback()
        # The same event delivered twice at once: the other delivery stored it
        # (the unique event id, or the order's version counter, stopped this one).
        if stripe_webhook.seen(event["id"]):
            return jsonify(received=True, duplicate=True)
        if isinstance(refused, IntegrityError):
            raise
        log.warning("Stripe event %s refused: %s", event["id"], refused.message)
        return jsonify(error=refused.message), 409
    if handled is not None and handled.outcome == EventOutcome.APPLIED and handled.order_id:
        stripe_webhook.post_fee_committed(handled.order_id)
    return jsonify(received=True, duplicate=handled is None)
