"""Signing in and out, invitations, password reset and change."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, logout_user

from portal.accounts import kept_forms, service, sign_in_sessions, throttle
from portal.accounts.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    SetPasswordForm,
    SignInForm,
)
from portal.auth import page_sent_from, session_seconds_left, start_browser_session
from portal.common.routes import form_error, polled
from portal.errors import RuleError
from portal.extensions import db, limiter
from portal.security import safe_next
from portal.web import home_url_for

bp = Blueprint("auth", __name__)


@bp.route("/sign-in", methods=["GET", "POST"])
# Failures only: per address, per account from that address and (looser) per account
# from anywhere; a browser that signed in to the account before is limited on its own
# instead (portal/accounts/throttle.py).
@throttle.failures(throttle.address_limit, throttle.address_key, unless=throttle.is_known_device)
@throttle.failures(
    throttle.account_limit, throttle.account_and_address_key, unless=throttle.is_known_device
)
@throttle.failures(
    throttle.account_anywhere_limit, throttle.account_key, unless=throttle.is_known_device
)
@throttle.failures(throttle.account_limit, throttle.device_key, unless=throttle.is_unknown_device)
def sign_in():
    if current_user.is_authenticated:
        return redirect(home_url_for(current_user))
    form = SignInForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user = service.authenticate(form.email.data, form.password.data)
        if user is not None:
            target = safe_next(form.next.data, home_url_for(user))
            db.session.commit()
            start_browser_session(user)
            if form.next.data:  # that page may get back what the idle timeout kept
                session["refill"] = target
            response = redirect(target)
            throttle.remember_device(response, user.email)
            return response
        db.session.commit()  # keep the audit of the failed attempt
        form.password.errors = ["Enter a correct email address and password"]
    return render_template("auth/sign_in.html", form=form)


@bp.post("/sign-out")
def sign_out():
    sign_in_sessions.end(session.get("sid"))
    db.session.commit()
    logout_user()
    session.clear()
    flash("You have signed out", "success")
    return redirect(url_for("auth.sign_in"))


@bp.get("/session/time-left")
@login_required
@polled
def time_left():
    """How long this session has before it idles out: the page asks before it warns.
    Asking does not count as activity (a page open on its own must still time out)."""
    return {"left": session_seconds_left()}


@bp.post("/session/stay")
@login_required
def stay_signed_in():
    """ "Stay signed in" in the page's warning: the idle clock starts again."""
    sign_in_sessions.stay(g.sign_in_session)
    db.session.commit()
    return {"left": session_seconds_left()}


@bp.post("/session/keep")
@login_required
@polled
def keep_typed():
    """The warning went unanswered: the page hands over what was typed in it, to come
    back in its form after signing in again (portal/accounts/kept_forms.py)."""
    kept = kept_forms.keep(current_user.id, page_sent_from(), request.form.items(multi=True))
    db.session.commit()
    return {"kept": kept}


def _link_error(error: service.LinkError, title: str):
    return render_template("auth/link_error.html", title=title, message=error.message), 400


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@limiter.limit(throttle.address_limit, methods=["POST"])
def accept_invitation(token: str):
    try:
        invited = service.read_link_token(
            token, service.INVITE, current_app.config["INVITATION_MAX_AGE"]
        )
        if invited.has_password:
            raise service.LinkError("This invitation has already been used. Sign in instead.")
    except service.LinkError as error:
        return _link_error(error, "Invitation cannot be used")
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            user = service.accept_invitation(token, form.password.data)
        except service.LinkError as error:
            db.session.rollback()
            return _link_error(error, "Invitation cannot be used")
        except RuleError as error:
            db.session.rollback()
            form_error(form, error)
        else:
            db.session.commit()
            start_browser_session(user)
            flash("Your password is set and you are signed in", "success")
            return redirect(home_url_for(user))
    return render_template("auth/accept_invitation.html", form=form, invited=invited)


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(throttle.address_limit, methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        service.request_password_reset(form.email.data)
        db.session.commit()
        return render_template("auth/reset_sent.html", email=form.email.data)
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit(throttle.address_limit, methods=["POST"])
def reset_password(token: str):
    try:
        service.read_link_token(token, service.RESET, current_app.config["PASSWORD_RESET_MAX_AGE"])
    except service.LinkError as error:
        return _link_error(error, "Reset link cannot be used")
    form = SetPasswordForm()
    form.submit.label.text = "Save new password and sign in"
    if form.validate_on_submit():
        try:
            user = service.reset_password(token, form.password.data)
        except service.LinkError as error:
            db.session.rollback()
            return _link_error(error, "Reset link cannot be used")
        except RuleError as error:
            db.session.rollback()
            form_error(form, error)
        else:
            db.session.commit()
            start_browser_session(user)
            flash("Your password has been changed and you are signed in", "success")
            return redirect(home_url_for(user))
    return render_template("auth/reset_password.html", form=form)


@bp.route("/account/password", methods=["GET", "POST"])
@throttle.failures(throttle.account_limit, throttle.password_change_key)
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            service.change_password(current_user, form.current_password.data, form.password.data)
        except RuleError as error:
            db.session.rollback()
            form_error(form, error)
        else:
            user = current_user._get_current_object()
            db.session.commit()
            start_browser_session(user)  # this session carries on; every other one has ended
            flash(
                "Your password has been changed. Any other sessions have been signed out.",
                "success",
            )
            return redirect(home_url_for(user))
    return render_template("auth/change_password.html", form=form)
