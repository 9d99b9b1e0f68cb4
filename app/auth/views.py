from flask import abort, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from app.auth import bp, queries, services, throttle
from app.auth.forms import (
    LanguageForm,
    LoginForm,
    PasswordChangeForm,
    PasswordResetForm,
    ProfileForm,
    UserEditForm,
    UserForm,
    site_choices,
)
from app.auth.models import User
from app.core.forms import apply
from app.core.idempotency import idempotent
from app.core.logsafe import clean
from app.core.pagination import paginate
from app.core.params import int_arg, text_arg
from app.core.permissions import ROLE_LABELS, ROLES, public, requires
from app.core.render import form_page, render_page
from app.core.throttle import wait_text
from app.core.urls import local_path
from app.extensions import db


def safe_next(default_endpoint: str = "dashboard.home") -> str:
    """`next` only when it is a path on this server: no open redirect."""
    return local_path(request.values.get("next")) or url_for(default_endpoint)


def _too_many_attempts(field, account: str) -> bool:
    """Refuse the attempt, with the real wait, when its account or address failed too often."""
    wait = throttle.wait_before_attempt(account)
    if not wait:
        return False
    field.errors.append(_("Too many failed attempts. Try again in %(wait)s.",
                          wait=wait_text(wait)))
    current_app.logger.warning("sign-in refused (throttled) login=%s ip=%s", clean(account),
                               clean(request.remote_addr))
    return True


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(), 303)
    form = LoginForm()
    if form.validate_on_submit():
        found = services.find_by_login(form.login.data)
        account = throttle.account_of(form.login.data, found)
        if _too_many_attempts(form.password, account):
            return render_page("auth/login.html", form=form, language_form=LanguageForm(),
                               status=429)
        user = services.authenticate(form.login.data, form.password.data)
        if user is not None:
            throttle.forget_failures(account)
            language = session.get("language")
            session.clear()  # a new session at sign-in
            if language:
                session["language"] = language
            services.start_session(user, remember=form.remember.data,
                                   user_agent=request.user_agent.string)
            login_user(user, remember=form.remember.data)
            return redirect(safe_next(), 303)
        throttle.record_failure(account)
        current_app.logger.warning("sign-in failed login=%s ip=%s", clean(form.login.data),
                                   clean(request.remote_addr))
        form.password.errors.append(_("Wrong username or password."))
    status = 422 if form.errors else 200
    return render_page("auth/login.html", form=form, language_form=LanguageForm(), status=status)


@bp.route("/logout", methods=["POST"])
@requires("profile.edit")
def logout():
    language = current_user.language or session.get("language")
    services.end_session(current_user.get_id())
    session.clear()
    logout_user()  # after clear(): it marks the remember-me cookie for deletion in the session
    if language:  # the sign-in page stays in the language the person was using
        session["language"] = language
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"), 303)


@bp.route("/language", methods=["POST"])
@public
def set_language():
    form = LanguageForm()
    if form.validate_on_submit():
        session["language"] = form.language.data
        if current_user.is_authenticated:
            services.set_language(current_user, form.language.data)
    return redirect(safe_next(), 303)


@bp.route("/profile", methods=["GET", "POST"])
@requires("profile.edit")
def profile():
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit() and apply(
            form, services.update_profile, current_user, name=form.name.data,
            email=form.email.data, language=form.language.data):
        flash(_("Profile saved."), "success")
        return redirect(url_for("auth.profile"), 303)
    return _profile_page(form, PasswordChangeForm(formdata=None))


def _profile_page(form, password_form, status=None):
    status = status or (422 if (form.errors or password_form.errors) else 200)
    return render_page("auth/profile.html", form=form, password_form=password_form,
                       role_labels=ROLE_LABELS, status=status)


@bp.route("/profile/password", methods=["POST"])
@requires("profile.edit")
def change_password():
    form = PasswordChangeForm()
    # The current password must not be guessable by brute force: failures count like sign-ins.
    account = throttle.account_of(current_user.username, current_user)
    if form.validate_on_submit():
        if _too_many_attempts(form.current_password, account):
            return _profile_page(ProfileForm(obj=current_user, formdata=None), form, status=429)
        if services.authenticate(current_user.username, form.current_password.data) is None:
            throttle.record_failure(account)
            form.current_password.errors.append(_("The current password is not right."))
        elif apply(form, services.set_password, current_user, form.new_password.data,
                   field="new_password", by=current_user, keep_token=current_user.get_id()):
            flash(_("Password changed. Other devices have been signed out."), "success")
            return redirect(url_for("auth.profile"), 303)
    return _profile_page(ProfileForm(obj=current_user, formdata=None), form)


# --- user administration -------------------------------------------------------------------

def _get_user(user_id: int) -> User:
    return db.get_or_404(User, user_id)


@bp.route("/admin/users")
@requires("users.manage")
def users():
    filters = {
        "search": text_arg("q"),
        "role": text_arg("role") if text_arg("role") in ROLES else "",
        "site_id": int_arg("site"),
        "status": text_arg("status") or "active",
    }
    page = paginate(queries.user_list(**filters))
    return render_page("auth/users.html", "user_rows", page=page, filters=filters,
                       roles=ROLES, role_labels=ROLE_LABELS, site_choices=site_choices())


@bp.route("/admin/users/new", methods=["GET", "POST"])
@requires("users.manage")
@idempotent
def user_new():
    form = UserForm()
    if form.validate_on_submit() and (user := apply(
            form, services.create_user, field="password", username=form.username.data,
            name=form.name.data, password=form.password.data, roles=form.roles.data,
            sites=form.chosen_sites(), email=form.email.data,
            language=form.language.data, by=current_user)):
        flash(_("User %(name)s added.", name=user.name), "success")
        return redirect(url_for("auth.users"), 303)
    return form_page("auth/user_form.html", form, form=form, user=None)


@bp.route("/admin/users/<int:user_id>/edit", methods=["GET", "POST"])
@requires("users.manage")
def user_edit(user_id: int):
    user = _get_user(user_id)
    form = UserEditForm(user=user)
    if form.validate_on_submit() and apply(
            form, services.update_user, user, name=form.name.data, email=form.email.data,
            roles=form.roles.data, sites=form.chosen_sites(),
            language=form.language.data, by=current_user):
        flash(_("Changes to %(name)s saved.", name=user.name), "success")
        return redirect(url_for("auth.users"), 303)
    return form_page("auth/user_form.html", form, form=form, user=user,
                     reset_form=PasswordResetForm(formdata=None))


@bp.route("/admin/users/<int:user_id>/password", methods=["POST"])
@requires("users.manage")
def user_password(user_id: int):
    user = _get_user(user_id)
    form = PasswordResetForm()
    own = user.id == current_user.id
    if form.validate_on_submit() and apply(
            form, services.set_password, user, form.new_password.data, field="new_password",
            by=current_user, keep_token=current_user.get_id() if own else None):
        flash(_("New password set for %(name)s; they have been signed out everywhere.",
                name=user.name), "success")
        return redirect(url_for("auth.user_edit", user_id=user.id), 303)
    edit_form = UserEditForm(formdata=None, user=user)
    return render_page("auth/user_form.html", form=edit_form, user=user, reset_form=form,
                       status=422)


@bp.route("/admin/users/<int:user_id>/active", methods=["POST"])
@requires("users.manage")
def user_active(user_id: int):
    user = _get_user(user_id)
    active = request.form.get("active") == "1"
    if user.id == current_user.id and not active:
        abort(400)
    services.set_active(user, active, by=current_user)
    if active:
        flash(_("%(name)s can sign in again.", name=user.name), "success")
    else:
        flash(_("%(name)s is deactivated and signed out everywhere.", name=user.name), "success")
    return redirect(url_for("auth.user_edit", user_id=user.id), 303)
