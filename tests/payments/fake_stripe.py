"""A fake Stripe API over HTTP, in a thread of the test session (werkzeug's
server on a free local port), for the real `stripe` library to talk to
through STRIPE_API_BASE.

It answers the endpoints `payments.stripe_api` calls with objects shaped like
Stripe's (checkout.session, payment_intent, charge, balance_transaction,
refund, list), errors in Stripe's JSON shape with Stripe's HTTP codes, and
checks the secret key. It reads Stripe's form encoding
(`line_items[0][price_data][unit_amount]=...`) into nested values, records
every API request (`requests`: method, path, params, idempotency key) and
honours Idempotency-Key: the same key with the same parameters replays the
first answer; with other parameters it is a 400 `idempotency_error`.

What a test can make happen:
- `fail_next(status=500)`: the next request fails once, before Stripe does
  anything (nothing is stored under its idempotency key).
- `hang_next(seconds, processed=...)`: the next request gets no answer in
  time; `processed=True` means Stripe did the work and the answer was lost.
- `complete_session`, `settle_async`, `expire_session`, `set_refund_status`,
  `create_payout`: what happens at Stripe without us asking.
- `event(...)`, `session_event`, `refund_event`, `charge_refunded_event`,
  `payout_event`: webhook bodies shaped like Stripe's, and `sign` /
  `webhook_headers` to sign them with the library's own signer."""

import json
import re
import secrets
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html import escape
from typing import Any

import stripe
from werkzeug.exceptions import HTTPException
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from tests.payments.stripe_account import ROUTES, StripeAccount, StripeFailure

HOST = "127.0.0.1"
SECRET_KEY = "sk_test_fake_pasar_aspikmas"
WEBHOOK_SECRET = "whsec_fake_pasar_aspikmas"
_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_PART = re.compile(r"\[([^\[\]]*)\]")


def parse_params(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Stripe's form encoding as nested values: `a[b][0][c]=1` ->
    `{"a": {"b": [{"c": "1"}]}}` (every leaf a string, as sent)."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        match = _KEY.match(key)
        if match is None:
            raise StripeFailure(400, f"Invalid parameter name: {key}", param=key)
        parts = [match.group(1), *_PART.findall(match.group(2))]
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise StripeFailure(400, f"Invalid hash: {key}", param=key)
        node[parts[-1] or str(len(node))] = value  # `expand[]=...` appends
    return _listify(root)


def _listify(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    items = {key: _listify(value) for key, value in node.items()}
    if items and all(key.isdigit() for key in items):
        return [items[key] for key in sorted(items, key=int)]
    return items


def sign(payload: bytes, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """A `Stripe-Signature` header for `payload`, from the library's own signer."""
    return stripe.WebhookSignature.generate_signature_header(
        payload.decode("utf-8"), secret, timestamp
    )


def webhook_headers(payload: bytes, **signing: Any) -> dict[str, str]:
    """The headers Stripe sends with a webhook delivery."""
    return {"Stripe-Signature": sign(payload, **signing), "Content-Type": "application/json"}


@dataclass
class Recorded:
    """One API request as the fake received it."""

    method: str
    path: str
    params: dict[str, Any]
    idempotency_key: str | None
    stripe_version: str | None
    status: int = 0  # the answer's HTTP status; 0 while unanswered
    replayed: bool = False  # answered from the idempotency store


@dataclass
class _Hang:
    seconds: float
    processed: bool


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


@dataclass
class FakeStripe(StripeAccount):
    base_url: str = ""
    requests: list[Recorded] = field(default_factory=list)
    _idempotency: dict[str, tuple[tuple, int, bytes]] = field(default_factory=dict)
    _failures: list[StripeFailure] = field(default_factory=list)
    _hangs: list[_Hang] = field(default_factory=list)
    _release: threading.Event = field(default_factory=threading.Event)
    _server: BaseWSGIServer | None = None

    # --- the server ---------------------------------------------------------------

    @classmethod
    def start(cls) -> "FakeStripe":
        fake = cls()
        fake._server = make_server(HOST, 0, fake.wsgi, threaded=True, request_handler=_QuietHandler)
        fake.base_url = f"http://{HOST}:{fake._server.server_port}"
        threading.Thread(target=fake._server.serve_forever, daemon=True).start()
        return fake

    def stop(self) -> None:
        self._release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def reset(self) -> None:
        """Forget everything (between tests); let hung requests go."""
        with self._lock:
            self._release.set()
            self._release = threading.Event()
            self.requests.clear()
            self.clear()
            self._idempotency.clear()
            self._failures.clear()
            self._hangs.clear()

    def config(self, **overrides: Any) -> dict[str, Any]:
        """App settings that point the shop at this server."""
        return {
            "STRIPE_SECRET_KEY": SECRET_KEY,
            "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "STRIPE_API_BASE": self.base_url,
            "STRIPE_TIMEOUT_SECONDS": 2.0,
        } | overrides

    def fail_next(self, status: int = 500, *, times: int = 1, should_retry: bool | None = None):
        """The next `times` API requests fail with `status`, before Stripe
        does anything. `should_retry` sends Stripe-Should-Retry."""
        kinds = {429: ("invalid_request_error", "rate_limit")}
        kind, code = kinds.get(status, ("api_error", None))
        for _ in range(times):
            self._failures.append(
                StripeFailure(
                    status,
                    "Something went wrong (fake).",
                    type=kind,
                    code=code,
                    should_retry=should_retry,
                )
            )

    def hang_next(self, seconds: float = 5.0, *, times: int = 1, processed: bool = False):
        """The next `times` API requests get their answer only after
        `seconds` (past the client's timeout). `processed`: Stripe did the
        work (stored under the idempotency key) and only the answer was late."""
        self._hangs.extend(_Hang(seconds, processed) for _ in range(times))

    def requests_to(self, method: str, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and r.path == path]

    def wsgi(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        request = Request(environ)
        if request.path.startswith("/c/pay/"):
            return self._page(request.path.removeprefix("/c/pay/"))(environ, start_response)
        return self._api(request)(environ, start_response)

    def _api(self, request: Request) -> Response:
        pairs = request.args.items(multi=True)
        if request.method == "POST":
            pairs = request.form.items(multi=True)
        key = request.headers.get("Idempotency-Key")
        recorded = Recorded(
            request.method, request.path, {}, key, request.headers.get("Stripe-Version")
        )
        with self._lock:
            self.requests.append(recorded)
            failure = self._failures.pop(0) if self._failures else None
            hang = self._hangs.pop(0) if self._hangs else None
            release = self._release
        try:
            recorded.params = parse_params(pairs)
            if request.headers.get("Authorization") != f"Bearer {SECRET_KEY}":
                raise StripeFailure(401, "Invalid API Key provided: sk_****")
            if failure is not None:
                raise failure
            if hang is not None and not hang.processed:
                release.wait(hang.seconds)
                raise StripeFailure(504, "The answer came too late (fake).", type="api_error")
            status, body, replayed = self._idempotent(request, recorded.params, key)
        except StripeFailure as error:
            status, body, replayed = error.status, json.dumps(error.body).encode(), False
        if hang is not None and hang.processed:
            release.wait(hang.seconds)
        recorded.status, recorded.replayed = status, replayed
        headers = {
            "Request-Id": f"req_{secrets.token_hex(7)}",
            "Stripe-Version": stripe.api_version,
        }
        if replayed:
            headers["Idempotent-Replayed"] = "true"
        if failure is not None and failure.should_retry is not None:
            headers["Stripe-Should-Retry"] = str(failure.should_retry).lower()
        return Response(body, status, headers, content_type="application/json")

    def _idempotent(
        self, request: Request, params: dict[str, Any], key: str | None
    ) -> tuple[int, bytes, bool]:
        with self._lock:
            fingerprint = (request.method, request.path, json.dumps(params, sort_keys=True))
            if request.method == "POST" and key and key in self._idempotency:
                first, status, body = self._idempotency[key]
                if first != fingerprint:
                    raise StripeFailure(
                        400,
                        "Keys for idempotent requests can only be used with the same parameters "
                        "they were first used with. Try using a key other than "
                        f"'{key}' if you meant to execute a different request.",
                        type="idempotency_error",
                    )
                return status, body, True
            status, body = 200, json.dumps(self._dispatch(request, params), indent=2).encode()
            if request.method == "POST" and key:
                self._idempotency[key] = (fingerprint, status, body)
            return status, body, False

    def _dispatch(self, request: Request, params: dict[str, Any]) -> dict[str, Any]:
        adapter = ROUTES.bind("fake.stripe", path_info=request.path)
        try:
            endpoint, values = adapter.match(method=request.method)
        except HTTPException as error:
            raise StripeFailure(
                404, f"Unrecognized request URL ({request.method}: {request.path})."
            ) from error
        return getattr(self, endpoint)(params, **values)

    def _page(self, session_id: str) -> Response:
        """What the shopper's browser finds at the session's `url`."""
        session = self.objects.get(session_id)
        if session is None or session["object"] != "checkout.session":
            return Response("Sesi tidak ditemukan", 404)
        rupiah = f"{session['amount_total'] // 100:,}".replace(",", ".")
        return Response(
            "<!doctype html><html lang='id'><title>Stripe (palsu)</title>"
            f"<h1>Stripe Checkout (palsu)</h1><p id='amount'>Rp{rupiah}</p>"
            f"<p id='reference'>{escape(session['client_reference_id'] or '')}</p>"
            f"<p id='status'>{escape(session['status'])}</p></html>",
            content_type="text/html; charset=utf-8",
        )
