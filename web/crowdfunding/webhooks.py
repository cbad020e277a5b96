"""POST /webhooks/stripe: Stripe tells civicfund that something happened to a payment.

The signature is checked before anything is stored; each event id is recorded once; the answer
is a quick 200 for every event that is Stripe's, so Stripe stops retrying it (work that cannot
be done yet waits in the table for the worker).
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from adapters.stripe_webhooks import BadEvent, BadSignature, receive, verified_event
from web.errors import json_error
from web.extensions import csrf
from web.services import platform

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")
csrf.exempt(bp)  # Stripe signs its deliveries instead; it has no session or CSRF token


@bp.post("/stripe")
def stripe_event():
    try:
        event = verified_event(
            request.get_data(cache=False),
            request.headers.get("Stripe-Signature"),
            platform().settings.stripe_webhook_secret,
        )
    except BadSignature as error:
        return json_error(400, "bad_signature", str(error))
    except BadEvent as error:
        return json_error(400, "bad_event", str(error))
    return jsonify({"status": receive(platform().webhooks, event), "event": event.id}), 200
