"""Register, verify the email, log in and out (one device or all), change or
reset the password, and the account page (under /akun)."""

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user

from marketplace.accounts import services, sessions, throttle
from marketplace.accounts.access import RETURN_TO, landing_page, logged_in_user, safe_next_path
from marketplace.accounts.forms import (
    PasswordChangeForm,
    PasswordForgotForm,
    PasswordResetForm,
    UserLoginForm,
    UserRegisterForm,
)
from marketplace.accounts.services import AccountError, InvalidCredentials, WrongCurrentPassword
from marketplace.extensions import db, limiter

blueprint = Blueprint("accounts", __name__, url_prefix="/akun")

# Guessing passwords (and sending reset emails) is limited per address; the
# count lives in RATELIMIT_STORAGE_URI, shared by every worker. Each account
# has its own limit on top (accounts.throttle).
limit_attempts = limiter.limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT"],
    methods=["POST"],
    key_func=get_remote_address,
)
limit_registrations = limiter.limit(
    lambda: current_app.config["REGISTER_RATE_LIMIT"],
    methods=["POST"],
    key_func=get_remote_address,
)


# What a login's browser says of itself, in the words of the account page.
_BROWSERS = (
    ("SamsungBrowser", "Samsung Internet"),
    ("Edg", "Edge"),
    ("OPR", "Opera"),
    ("Firefox", "Firefox"),
    ("Chrome", "Chrome"),
    ("Safari", "Safari"),
)
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("Mac OS", "Mac"),
    ("Linux", "Linux"),
)


@blueprint.app_template_filter("perangkat")
def device_label(user_agent: str) -> str:
    """`Chrome di Android`, from a User-Agent string; `Peramban lain` if unknown."""
    browser = next((name for token, name in _BROWSERS if token in user_agent), "Peramban lain")
    system = next((name for token, name in _SYSTEMS if token in user_agent), None)
    return f"{browser} di {system}" if system else browser


def _now() -> datetime:
    return datetime.now(UTC)


def _secret_key() -> str:
    return current_app.config["SECRET_KEY"]


def _reset_settings() -> dict[str, Any]:
    return {"secret_key": _secret_key(), "max_age": current_app.config["PASSWORD_RESET_MAX_AGE"]}


def _wait_words(seconds: int) -> str:
    minutes = -(-seconds // 60)
    return f"{seconds} detik" if seconds < 60 else f"{minutes} menit"


@blueprint.route("/daftar", methods=["GET", "POST"])
@limit_registrations
def register():
    """Sign up; a `next` page (checkout, when the cart sent them here) goes
    on to the login page and into the session, for the emailed link."""
    next_path = safe_next_path(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_path or landing_page(logged_in_user()))
    form = UserRegisterForm()
    if form.validate_on_submit():
        # The same answer whether or not the email already has an account:
        # its owner gets an email either way (services.sign_up).
        if throttle.may_email(form.email.data):
            try:
                services.sign_up(
                    email=form.email.data,
                    name=form.name.data,
                    password=form.password.data,
                    whatsapp=form.whatsapp.data,
                    secret_key=_secret_key(),
                )
            except AccountError:
                db.session.rollback()  # registered by another request a moment ago
            else:
                db.session.commit()
        if next_path:
            session[RETURN_TO] = next_path
        flash(
            f"Hampir selesai! Kami mengirim email ke {form.email.data}. Buka tautan di email "
            "itu untuk memverifikasi alamat Anda, lalu masuk di sini. Tidak ada di kotak masuk? "
            "Periksa folder spam.",
            "info",
        )
        return redirect(url_for("accounts.login", next=next_path))
    return render_template("accounts/register.html", form=form, next_path=next_path)


@blueprint.route("/masuk", methods=["GET", "POST"])
@limit_attempts
def login():
    next_path = safe_next_path(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_path or landing_page(logged_in_user()))
    form, error, wait = UserLoginForm(), None, 0
    if form.validate_on_submit():
        wait = throttle.login_wait(form.email.data)
        if wait:
            error = _too_many_tries(wait)
        else:
            try:
                user = services.authenticate(email=form.email.data, password=form.password.data)
            except InvalidCredentials as refused:
                db.session.rollback()
                error = refused.message
                if next_wait := throttle.login_failed(form.email.data):
                    error += f" Anda bisa mencoba lagi dalam {_wait_words(next_wait)}."
            except AccountError as refused:
                db.session.rollback()
                error = refused.message
            else:
                return _log_in(user, remember=form.remember.data, next_path=next_path)
    page = render_template("accounts/login.html", form=form, error=error, next_path=next_path)
    return _with_wait(page, wait)


def _too_many_tries(wait: int) -> str:
    return (
        "Terlalu banyak percobaan masuk ke akun ini. Demi keamanan, coba lagi dalam "
        f"{_wait_words(wait)}. Lupa kata sandi? Atur ulang lewat tautan lupa kata sandi."
    )


def _with_wait(page: str, wait: int):
    """The page as it is, or a 429 that says when to come back."""
    if not wait:
        return page
    response = make_response(page, 429)
    response.headers["Retry-After"] = str(wait)
    return response


def _log_in(user, *, remember: bool, next_path: str | None):
    days = current_app.config["REMEMBER_DAYS" if remember else "LOGIN_SESSION_DAYS"]
    sessions.start_login(
        user=user,
        remember=remember,
        lifetime=timedelta(days=days),
        user_agent=request.user_agent.string,
        now=_now(),
    )
    db.session.commit()
    throttle.login_succeeded(user.email)
    login_user(user, remember=remember, duration=timedelta(days=days))
    session.pop(RETURN_TO, None)  # `next` says it now, or the page asks again
    flash(f"Halo, {user.name}! Anda sudah masuk.", "success")
    return redirect(next_path or landing_page(user))


@blueprint.post("/keluar")
def logout():
    if current_user.is_authenticated:
        sessions.end_login(login_key=current_user.get_id())
        db.session.commit()
    logout_user()
    flash("Anda sudah keluar. Sampai jumpa lagi!", "info")
    return redirect(url_for("catalog.home"))


@blueprint.post("/keluar-semua")
@login_required
def logout_everywhere():
    ended = sessions.end_all_logins(user=logged_in_user())
    db.session.commit()
    logout_user()
    flash(f"Anda sudah keluar dari semua perangkat ({ended}).", "info")
    return redirect(url_for("catalog.home"))


@blueprint.get("")
@login_required
def account():
    key = current_user.get_id()
    logins = db.session.scalars(sessions.logins_of(current_user.id, now=_now(), this_key=key)).all()
    here = logins[0].id if logins and sessions.is_this_login(logins[0], key) else None
    return render_template("accounts/account.html", logins=logins, this_login_id=here)


@blueprint.route("/kata-sandi", methods=["GET", "POST"])
@login_required
@limit_attempts
def change_password():
    """Guessing the current password from a borrowed session meets the same
    per-account wait as the login page."""
    form, error = PasswordChangeForm(), None
    wait = throttle.login_wait(current_user.email) if form.is_submitted() else 0
    if wait:
        error = _too_many_tries(wait)
    elif form.validate_on_submit():
        try:
            services.change_password(
                user=logged_in_user(),
                current_password=form.current_password.data,
                new_password=form.password.data,
                login_key=current_user.get_id(),
            )
        except WrongCurrentPassword as refused:
            db.session.rollback()
            error = refused.message
            throttle.login_failed(current_user.email)
        except AccountError as refused:
            db.session.rollback()
            error = refused.message
        else:
            db.session.commit()
            flash(
                "Kata sandi sudah diganti. Perangkat lain yang masuk dengan akun ini sudah "
                "dikeluarkan.",
                "success",
            )
            return redirect(url_for("accounts.account"))
    page = render_template("accounts/change_password.html", form=form, error=error)
    return _with_wait(page, wait)


@blueprint.get("/verifikasi")
@login_required
def verify_notice():
    return render_template("accounts/verify_notice.html")


@blueprint.post("/verifikasi")
@login_required
def resend_verification():
    if current_user.is_email_verified:
        flash("Email Anda sudah terverifikasi.", "info")
        return redirect(url_for("accounts.account"))
    if not throttle.may_email(current_user.email):
        flash(
            "Kami sudah beberapa kali mengirim tautan dalam satu jam terakhir. Periksa kotak "
            "masuk dan folder spam, atau coba lagi nanti.",
            "warning",
        )
        return redirect(url_for("accounts.verify_notice"))
    services.send_verification(user=logged_in_user(), secret_key=_secret_key())
    db.session.commit()
    flash(f"Tautan verifikasi sudah dikirim ke {current_user.email}.", "success")
    return redirect(url_for("accounts.verify_notice"))


@blueprint.get("/verifikasi/<token>")
def verify_email(token: str):
    try:
        services.verify_email(
            token=token,
            secret_key=_secret_key(),
            max_age=current_app.config["VERIFY_EMAIL_MAX_AGE"],
            now=_now(),
        )
    except AccountError as refused:
        db.session.rollback()
        again = current_user.is_authenticated
        page = render_template(
            "accounts/link_invalid.html",
            message=refused.message,
            action_url=url_for("accounts.verify_notice" if again else "accounts.login"),
            action_label="Minta tautan baru" if again else "Masuk",
        )
        return page, 400
    db.session.commit()
    flash(
        "Terima kasih, email Anda sudah terverifikasi. Sekarang Anda bisa memesan dan "
        "mendaftar menjadi anggota.",
        "success",
    )
    # Back to the page that asked for the email (checkout), if this browser knows it.
    return_to = safe_next_path(session.pop(RETURN_TO, None))
    if current_user.is_authenticated:
        return redirect(return_to or landing_page(logged_in_user()))
    return redirect(url_for("accounts.login", next=return_to))


@blueprint.route("/lupa-sandi", methods=["GET", "POST"])
@limit_attempts
def forgot_password():
    form = PasswordForgotForm()
    if form.validate_on_submit():
        if throttle.may_email(form.email.data):
            services.request_password_reset(email=form.email.data, secret_key=_secret_key())
            db.session.commit()
        # The same words whether or not the email has an account.
        flash(
            "Jika email tersebut terdaftar, kami sudah mengirim tautan untuk mengatur ulang "
            "kata sandi. Periksa kotak masuk dan folder spam Anda.",
            "info",
        )
        return redirect(url_for("accounts.forgot_password"))
    return render_template("accounts/forgot_password.html", form=form)


@blueprint.route("/atur-ulang/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    form = PasswordResetForm()
    try:
        services.user_for_reset_token(token=token, **_reset_settings())
        if form.validate_on_submit():
            user = services.reset_password(
                token=token, password=form.password.data, now=_now(), **_reset_settings()
            )
            db.session.commit()
            throttle.login_succeeded(user.email)
            logout_user()
            flash(
                "Kata sandi baru sudah disimpan, dan semua perangkat yang masuk dengan akun ini "
                "sudah dikeluarkan. Silakan masuk.",
                "success",
            )
            return redirect(url_for("accounts.login"))
    except AccountError as refused:
        db.session.rollback()
        minutes = current_app.config["PASSWORD_RESET_MAX_AGE"] // 60
        return render_template(
            "accounts/link_invalid.html",
            message=refused.message,
            hint=f"Tautan atur ulang hanya bisa dipakai sekali dan berlaku {minutes} menit. "
            "Silakan minta tautan baru.",
            action_url=url_for("accounts.forgot_password"),
            action_label="Minta tautan baru",
        )
    return render_template("accounts/reset_password.html", form=form)
