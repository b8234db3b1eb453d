"""Register, log in, log out, and reset a forgotten password (under /akun)."""

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user

from marketplace.accounts import services
from marketplace.accounts.access import safe_next_path
from marketplace.accounts.forms import (
    PasswordForgotForm,
    PasswordResetForm,
    UserLoginForm,
    UserRegisterForm,
)
from marketplace.accounts.services import AccountError
from marketplace.extensions import db, limiter

blueprint = Blueprint("accounts", __name__, url_prefix="/akun")

# Guessing passwords (and sending reset emails) is limited per address; the
# count lives in RATELIMIT_STORAGE_URI, shared by every worker.
limit_attempts = limiter.limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT"],
    methods=["POST"],
    key_func=get_remote_address,
)


def _reset_settings() -> dict[str, Any]:
    return {
        "secret_key": current_app.config["SECRET_KEY"],
        "max_age": current_app.config["PASSWORD_RESET_MAX_AGE"],
    }


@blueprint.route("/daftar", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("catalog.home"))
    form, error = UserRegisterForm(), None
    if form.validate_on_submit():
        try:
            user = services.register_user(
                email=form.email.data,
                name=form.name.data,
                password=form.password.data,
                whatsapp=form.whatsapp.data,
            )
        except AccountError as refused:
            db.session.rollback()
            error = refused.message
        else:
            db.session.commit()
            login_user(user)
            flash(f"Selamat datang, {user.name}! Akun Anda sudah aktif.", "success")
            return redirect(url_for("catalog.home"))
    return render_template("accounts/register.html", form=form, error=error)


@blueprint.route("/masuk", methods=["GET", "POST"])
@limit_attempts
def login():
    next_path = safe_next_path(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_path or url_for("catalog.home"))
    form, error = UserLoginForm(), None
    if form.validate_on_submit():
        try:
            user = services.authenticate(email=form.email.data, password=form.password.data)
        except AccountError as refused:
            db.session.rollback()
            error = refused.message
        else:
            db.session.commit()
            login_user(user, remember=form.remember.data)
            flash(f"Halo, {user.name}! Anda sudah masuk.", "success")
            return redirect(next_path or url_for("catalog.home"))
    return render_template("accounts/login.html", form=form, error=error, next_path=next_path)


@blueprint.post("/keluar")
def logout():
    logout_user()
    flash("Anda sudah keluar. Sampai jumpa lagi!", "info")
    return redirect(url_for("catalog.home"))


@blueprint.route("/lupa-sandi", methods=["GET", "POST"])
@limit_attempts
def forgot_password():
    form = PasswordForgotForm()
    if form.validate_on_submit():
        services.request_password_reset(
            email=form.email.data,
            secret_key=current_app.config["SECRET_KEY"],
            reset_link=lambda token: url_for("accounts.reset_password", token=token, _external=True),
        )
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
            services.reset_password(token=token, password=form.password.data, **_reset_settings())
            db.session.commit()
            flash("Kata sandi baru sudah disimpan. Silakan masuk.", "success")
            return redirect(url_for("accounts.login"))
    except AccountError as refused:
        db.session.rollback()
        return render_template("accounts/reset_invalid.html", message=refused.message)
    return render_template("accounts/reset_password.html", form=form)
