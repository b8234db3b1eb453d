"""The payments domain's refusals. Callers catch `PaymentError` and show
`message`; `PaymentProviderError.detail` is for the log."""

from marketplace.core.errors import DomainError


class PaymentError(DomainError):
    """A payment could not be started, confirmed or refunded."""


class InvalidStripeAmount(PaymentError, ValueError):
    """An amount is not whole rupiah: not an int, negative, or (from Stripe)
    not a multiple of 100 of Stripe's minor units."""


class CheckoutExpiryOutOfRange(PaymentError):
    """A Checkout Session must expire between 30 minutes and 24 hours after
    it is created; the order's payment deadline falls outside that window."""


class InvalidWebhook(PaymentError):
    """A webhook delivery was refused: no or a wrong signature, an old
    timestamp, a body that is not a Stripe event, or no webhook secret."""


class PaymentProviderError(PaymentError):
    """The payment provider failed or refused a request.

    `message` is for people (Bahasa Indonesia); `detail` is the provider's own
    words for the log; `retryable` is True when the same request may succeed
    later (network trouble, a timeout, the provider's 5xx or rate limit) and
    False when it was refused (bad parameters, an unknown id, a wrong key);
    `code` is the provider's error code when it gave one (`resource_missing`,
    `charge_already_refunded`, ...)."""

    def __init__(
        self,
        message: str,
        *,
        detail: str,
        retryable: bool,
        code: str | None = None,
        http_status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.detail = detail
        self.retryable = retryable
        self.code = code
        self.http_status = http_status


class RefundNotSupported(PaymentError):
    """The provider does not send refunds: the treasurer pays the shopper
    back by hand and records it."""
