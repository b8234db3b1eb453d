"""The cart (/keranjang), checkout (/checkout) and the shopper's orders
(/pesanan). Each view validates, calls one service, commits once.

Adding to the cart is posted from the product page, which is cached whole
for anonymous visitors, so the page cannot carry a visitor's CSRF token: its
form asks `/keranjang/token` for one when it is submitted (static/js/cart.js)
and posts it like every other form; a post without it is refused."""

from collections.abc import Mapping
from dataclasses import dataclass

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf
from wtforms.fields.choices import SelectChoice

from marketplace.accounts.access import logged_in_user, verified_email_required
from marketplace.accounts.models import User
from marketplace.catalog import my_kecamatan
from marketplace.catalog.cache import personal_when
from marketplace.catalog.filters import is_slug
from marketplace.catalog.models import ProductVariant
from marketplace.core.forms import FORM_EXPIRED
from marketplace.core.images import MAX_BYTES
from marketplace.core.numbers import as_whole
from marketplace.core.whatsapp import whatsapp_url
from marketplace.extensions import db
from marketplace.members import queries as member_queries
from marketplace.members.models import Kecamatan, MemberStatus
from marketplace.orders import cart as carts
from marketplace.orders import queries
from marketplace.orders.checkout import (
    UNIQUE_CODES,
    CheckoutRules,
    Contact,
    Quote,
    accepts_cash,
    lock_cart,
    new_idempotency_key,
    place_order,
    quote_checkout,
)
from marketplace.orders.forms import (
    CardPayForm,
    CartAcceptPricesForm,
    CartAddForm,
    CartUpdateForm,
    CheckoutForm,
    OrderCancelForm,
    ReviewForm,
)
from marketplace.orders.fulfilment import cancel_order
from marketplace.orders.models import Order, OrderPart
from marketplace.orders.reviews import review_refusal, reviews_of_lines
from marketplace.orders.status import (
    PAYMENT_METHOD_LABELS,
    OrderError,
    PaymentMethod,
)
from marketplace.orders.timeline import part_timeline
from marketplace.payments import stripe_api, stripe_checkout
from marketplace.payments.errors import PaymentError

blueprint = Blueprint("orders", __name__)

GUEST_CART = "cart"
HISTORY_PAGE_SIZE = 20
CASH_CHOICE = SelectChoice(PaymentMethod.CASH.value, PAYMENT_METHOD_LABELS[PaymentMethod.CASH])
CARD_CHOICE = SelectChoice(PaymentMethod.STRIPE.value, PAYMENT_METHOD_LABELS[PaymentMethod.STRIPE])


@blueprint.before_app_request
def merge_guest_cart() -> None:
    """Login lives in accounts, below orders, so it cannot merge the carts:
    on the first request of a logged-in user whose session still holds a
    guest cart, the guest cart goes into their cart and leaves the session."""
    if GUEST_CART not in session or not current_user.is_authenticated:
        return
    items = carts.guest_items(session.pop(GUEST_CART))
    if items:
        cart = carts.open_cart(user=logged_in_user())
        carts.merge_guest_cart(cart=cart, items=items)
        db.session.commit()


@blueprint.record_once
def _guest_cart_is_personal(state: BlueprintSetupState) -> None:
    """The top bar counts a guest's cart, so their catalog pages are their own."""
    personal_when(state.app, lambda: GUEST_CART in session)


@dataclass(frozen=True)
class TopBar:
    """What the top bar says of the visitor: how many pieces their cart
    holds (the badge), and, logged in, their membership's status ("Keanggotaan
    saya", else "Daftar jadi anggota"; None: they never applied)."""

    cart_pieces: int
    membership: MemberStatus | None


@blueprint.app_template_global()
def top_bar() -> TopBar:
    """The top bar of this request: one statement for a logged-in visitor
    (both facts at once), none for a guest (their cart is in the session)."""
    if current_user.is_authenticated:
        pieces, membership = db.session.execute(
            queries.top_bar(), {"user_id": current_user.id}
        ).one()
        return TopBar(cart_pieces=pieces or 0, membership=membership)
    guest = carts.guest_items(session.get(GUEST_CART))
    return TopBar(cart_pieces=sum(item.quantity for item in guest), membership=None)


def _kecamatan_list() -> list[Kecamatan]:
    return list(db.session.scalars(member_queries.kecamatan_list()))


def _chosen_kecamatan() -> Kecamatan | None:
    """Where the cart shows the fees to: the kecamatan just picked (kept as
    the visitor's own), else the visitor's own, else where the shopper's
    last order went."""
    slug = (request.args.get("kecamatan") or "").strip().lower()
    picked = db.session.scalar(member_queries.kecamatan_by_slug(slug)) if is_slug(slug) else None
    if picked is not None:
        my_kecamatan.remember(picked)
        return picked
    place = my_kecamatan.chosen()
    if place is None and current_user.is_authenticated:
        last = db.session.scalar(queries.last_order_of(), {"buyer_id": current_user.id})
        place = last.kecamatan if last else None
    return place


def _items() -> list[carts.CartItem]:
    if current_user.is_authenticated:
        return carts.cart_items(carts.cart_of(logged_in_user()))
    return carts.guest_items(session.get(GUEST_CART))


@blueprint.get("/keranjang")
def cart():
    summary = carts.summarise(_items(), _chosen_kecamatan())
    return render_template(
        "orders/cart.html",
        summary=summary,
        kecamatan_list=_kecamatan_list(),
        update_form=CartUpdateForm(),
        accept_form=CartAcceptPricesForm(),
    )


@blueprint.get("/keranjang/token")
def cart_token():
    """The CSRF token of this visitor, for the add-to-cart form of a cached page."""
    response = jsonify(csrf_token=generate_csrf())
    response.cache_control.no_store = True
    return response


@blueprint.post("/keranjang/tambah")
def cart_add():
    form = CartAddForm()
    quantity = form.quantity.data if form.validate() else None
    variant_id = form.variant_id.data or 0
    # With its product and member, which the checks and the message read.
    variant = carts.load_variants([variant_id]).get(variant_id) if quantity is not None else None
    if variant is None or quantity is None:
        flash(next(iter(form.quantity.errors), "Produk tidak ditemukan."), "danger")
        return redirect(url_for(".cart"))
    # Worded before the commit, which expires the variant (read again, two statements).
    added = f"{variant.product.name} ({variant.name}) masuk keranjang."
    try:
        if current_user.is_authenticated:
            carts.add_to_cart(
                cart=carts.open_cart(user=logged_in_user()),
                variant=variant,
                quantity=quantity,
            )
            db.session.commit()
        else:
            session[GUEST_CART] = carts.guest_add(
                session.get(GUEST_CART), variant=variant, quantity=quantity
            )
    except OrderError as refused:
        db.session.rollback()
        flash(refused.message, "danger")
    else:
        flash(added, "success")
    return redirect(url_for(".cart"))


@blueprint.post("/keranjang/ubah")
def cart_update():
    form = CartUpdateForm()
    variant_id, quantity = form.variant_id.data, form.quantity.data
    if not form.validate_on_submit() or variant_id is None or quantity is None:
        flash(next(iter(form.quantity.errors), "Jumlah tidak valid."), "danger")
        return redirect(url_for(".cart"))
    if request.form.get("hapus"):
        quantity = 0
    try:
        if current_user.is_authenticated:
            cart = carts.cart_of(logged_in_user())
            if cart is None:
                raise carts.CartError("Keranjang Anda kosong.")
            carts.set_quantity(cart=cart, variant_id=variant_id, quantity=quantity)
            db.session.commit()
        else:
            session[GUEST_CART] = carts.guest_set(
                session.get(GUEST_CART),
                variant=db.session.get(ProductVariant, variant_id),
                variant_id=variant_id,
                quantity=quantity,
            )
    except OrderError as refused:
        db.session.rollback()
        flash(refused.message, "danger")
    else:
        flash(
            "Produk dihapus dari keranjang." if quantity == 0 else "Jumlah diperbarui.", "success"
        )
    return redirect(url_for(".cart"))


@blueprint.post("/keranjang/terima-harga")
def cart_accept_prices():
    if CartAcceptPricesForm().validate_on_submit():
        if current_user.is_authenticated:
            cart = carts.cart_of(logged_in_user())
            if cart is not None:
                carts.accept_prices(cart=cart)
                db.session.commit()
        else:
            session[GUEST_CART] = carts.guest_accept_prices(session.get(GUEST_CART))
        flash("Harga terbaru sudah dipakai di keranjang Anda.", "success")
    return redirect(url_for(".cart"))


def _choices(values: Mapping[str, str]) -> dict[int, str]:
    """The delivery choice per member: `pengiriman-<member id>` fields."""
    prefix = "pengiriman-"
    choices = {}
    for name, value in values.items():
        member_id = as_whole(name.removeprefix(prefix)) if name.startswith(prefix) else None
        if member_id is not None:
            choices[member_id] = value
    return choices


def _checkout_form(me: User, places: list[Kecamatan]) -> CheckoutForm:
    """The form, on a first visit filled from where the shopper's last order
    went (recipient, number, address) and their own kecamatan; the address
    only when it is in that kecamatan. `places` is every kecamatan."""
    form = CheckoutForm()
    form.kecamatan.choices = [SelectChoice(0, "Pilih kecamatan")] + [
        SelectChoice(k.id, k.name) for k in places
    ]
    if request.method == "GET":
        last = db.session.scalar(queries.last_order_of(), {"buyer_id": me.id})
        place = my_kecamatan.chosen(among=places) or (last.kecamatan if last else None)
        form.idempotency_key.data = new_idempotency_key()
        form.name.data = last.contact_name if last else me.name
        form.whatsapp.data = last.contact_whatsapp if last else me.whatsapp
        form.kecamatan.data = place.id if place else 0
        if last is not None and place is not None and last.kecamatan_id == place.id:
            form.address.data, form.desa.data = last.address, last.desa
    return form


def _not_ready(summary: carts.CartSummary) -> tuple[str, str] | None:
    """Why the cart cannot go to checkout yet (flash message and category)."""
    if summary.is_empty:
        return "Keranjang Anda masih kosong.", "info"
    if summary.has_problems:
        return "Ada yang perlu diperiksa di keranjang sebelum lanjut ke pembayaran.", "warning"
    return None


def _offer_payment(form: CheckoutForm, summary: carts.CartSummary) -> list[str]:
    """Offer a card when Stripe's keys are set, and cash only when every
    member in the cart takes it; the names of the shops that do not take
    cash (empty when cash is offered)."""
    if stripe_api.is_configured():
        form.payment_method.choices = [*form.payment_method.choices, CARD_CHOICE]
    members = [group.member for group in summary.groups]
    if accepts_cash(members):
        form.payment_method.choices = [*form.payment_method.choices, CASH_CHOICE]
        return []
    return [member.shop_name for member in members if not member.accepts_cash]


def _contact(form: CheckoutForm, kecamatan: Kecamatan | None) -> Contact:
    return Contact(form.name.data, form.whatsapp.data, form.address.data, kecamatan, form.desa.data)


def _placed_words(order: Order) -> str:
    if order.payment_method == PaymentMethod.CASH:
        return f"Pesanan {order.code} sudah diteruskan ke penjual. Bayar tunai saat ambil/antar."
    return f"Pesanan {order.code} sudah dibuat. Silakan selesaikan pembayaran."


def _quote(summary: carts.CartSummary, values: Mapping[str, str], payment: str) -> Quote:
    if summary.kecamatan is not None:
        my_kecamatan.remember(summary.kecamatan)
    return quote_checkout(summary=summary, choices=_choices(values), payment_method=payment)


@blueprint.route("/checkout", methods=["GET", "POST"])
@verified_email_required
def checkout():
    me = logged_in_user()
    # The list is kept while the request runs: the kecamatan chosen is found
    # in it rather than read again (each a statement).
    places = _kecamatan_list()
    form = _checkout_form(me, places)
    kecamatan = next((place for place in places if place.id == form.kecamatan.data), None)
    # A post locks the cart before reading it, and that one reading is both
    # what the page shows again and what `place_order` places.
    locked = lock_cart(buyer=me, kecamatan=kecamatan) if request.method == "POST" else None
    if locked is not None:
        summary = locked.summary
    else:
        summary = carts.summarise(carts.cart_items(carts.cart_of(me)), kecamatan)
    if request.method == "GET" and (blocked := _not_ready(summary)):
        flash(*blocked)
        return redirect(url_for(".cart"))
    cash_refused_by = _offer_payment(form, summary)
    error = None
    if request.method == "POST" and locked is None:
        error = "Keranjang Anda kosong."
    elif form.payment_method.data == PaymentMethod.STRIPE and not stripe_api.is_configured():
        error = "Pembayaran kartu belum tersedia. Silakan pilih transfer bank."
    elif locked is not None and "hitung" not in request.form and form.validate_on_submit():
        try:
            order = place_order(
                buyer=me,
                cart=locked,
                contact=_contact(form, kecamatan),
                choices=_choices(request.form),
                payment_method=form.payment_method.data,
                idempotency_key=form.idempotency_key.data or "",
                rules=CheckoutRules.from_config(current_app.config),
                expected_total=as_whole(form.total_seen.data),
            )
            # Read before the commit expires them (after it, each costs a statement).
            my_kecamatan.remember(kecamatan)
            code, by_card, words = (
                order.code,
                order.payment_method == PaymentMethod.STRIPE,
                _placed_words(order),
            )
            db.session.commit()
        except OrderError as refused:
            db.session.rollback()
            error = refused.message
            summary = carts.summarise(carts.cart_items(carts.cart_of(me)), kecamatan)
        else:
            if by_card:
                return _pay_by_card(order)
            flash(words, "success")
            return redirect(url_for(".order", code=code))
    return render_template(
        "orders/checkout.html",
        form=form,
        summary=summary,
        quote=_quote(summary, request.form, form.payment_method.data or ""),
        unique_codes=UNIQUE_CODES,
        error=error,
        cash_refused_by=cash_refused_by,
    )


def _pay_by_card(order: Order, *, placed_now: bool = True):
    """Send the shopper to Stripe's page for `order` (placed and committed:
    its stock is reserved). When Stripe fails the order stays awaiting
    payment, and its page offers to try again."""
    try:
        url = stripe_checkout.start(order=order)
        db.session.commit()
    except (PaymentError, OrderError) as refused:
        db.session.rollback()
        if isinstance(refused, OrderError):  # not a card order awaiting payment
            flash(refused.message, "warning")
        else:
            placed = f"Pesanan {order.code} sudah dibuat, tetapi h" if placed_now else "H"
            flash(
                f"{placed}alaman pembayaran kartu belum bisa dibuka. {refused.message} "
                "Tekan “Bayar dengan kartu” untuk mencoba lagi.",
                "warning",
            )
        return redirect(url_for(".order", code=order.code))
    return redirect(url, code=303)


@blueprint.post("/pesanan/<code>/bayar-kartu")
@login_required
def pay_by_card(code: str):
    """Try Stripe again for the shopper's own card order awaiting payment."""
    found = db.first_or_404(queries.order_of_buyer(code, current_user.id))
    if not CardPayForm().validate_on_submit():
        flash(FORM_EXPIRED, "danger")
        return redirect(url_for(".order", code=code))
    return _pay_by_card(found, placed_now=False)


@blueprint.get("/pesanan/<code>/kartu-selesai")
@login_required
def card_done(code: str):
    """Where Stripe sends the shopper back after paying: the order is paid
    only by Stripe's webhook, so this page waits for it (refreshing itself)."""
    found = db.first_or_404(queries.order_of_buyer(code, current_user.id))
    response = make_response(render_template("orders/card_done.html", order=found))
    response.cache_control.no_store = True
    return response


@blueprint.get("/checkout/ringkasan")
@verified_email_required
def checkout_summary():
    """The delivery choices and the total of the checkout form as it is now
    filled (kecamatan id, `pengiriman-<member id>`, payment_method in the
    query string): static/js/checkout.js puts them in the page as soon as
    the shopper changes one, rendered by the same templates as the page."""
    me = logged_in_user()
    kecamatan = db.session.get(Kecamatan, as_whole(request.args.get("kecamatan")) or 0)
    summary = carts.summarise(carts.cart_items(carts.cart_of(me)), kecamatan)
    payment = request.args.get("payment_method") or ""
    response = make_response(
        render_template(
            "orders/_checkout_live.html",
            summary=summary,
            quote=_quote(summary, request.args, payment),
        )
    )
    response.cache_control.no_store = True
    return response


@blueprint.get("/pesanan")
@login_required
def history():
    orders = db.paginate(queries.orders_of_buyer(current_user.id), per_page=HISTORY_PAGE_SIZE)
    return render_template("orders/history.html", orders=orders)


def _member_message(part: OrderPart) -> str:
    order = part.order
    return (
        f"Halo {part.member.shop_name}, saya {order.contact_name}, pembeli di Pasar Aspikmas. "
        f"Tentang pesanan {order.code}: "
    )


@blueprint.get("/pesanan/<code>")
@login_required
def order(code: str):
    me = logged_in_user()
    found = db.first_or_404(queries.order_of_buyer(code, me.id))
    events = db.session.scalars(queries.order_events(found.id)).all()
    return render_template(
        "orders/order.html",
        order=found,
        timelines={part.id: part_timeline(part, events, order_steps=False) for part in found.parts},
        whatsapp={
            part.id: whatsapp_url(part.member.whatsapp, _member_message(part))
            for part in found.parts
        },
        cash_due=[part for part in found.parts if part.is_cash_due],
        reviews=reviews_of_lines([line.id for part in found.parts for line in part.lines]),
        review_refusals={
            line.id: review_refusal(line, buyer=me) for part in found.parts for line in part.lines
        },
        review_form=ReviewForm(),
        photo_max_mb=MAX_BYTES // (1024 * 1024),
        cancel_form=OrderCancelForm(),
        card_form=CardPayForm(),
    )


@blueprint.post("/pesanan/<code>/batal")
@login_required
def cancel(code: str):
    found = db.first_or_404(queries.order_of_buyer(code, current_user.id))
    if OrderCancelForm().validate_on_submit():
        try:
            cancel_order(order=found, by=logged_in_user())
            db.session.commit()
        except OrderError as refused:
            db.session.rollback()
            flash(refused.message, "danger")
        else:
            flash(f"Pesanan {found.code} dibatalkan dan stoknya dikembalikan.", "success")
    return redirect(url_for(".order", code=code))
