"""Mail about a person's account: confirm your email, you already have an account, reset your
password, your password was changed. Written to the outbox (adapters/mail.py) like every other
message; the worker sends it over SMTP. Written in the person's language setting, else the
language of the page that sent it (someone registering from a Portuguese page reads Portuguese),
with the catalogs the pledge mail uses.
"""

from __future__ import annotations

from uuid import UUID

from flask import url_for

from adapters.account_links import CONFIRM_EMAIL, RESET_PASSWORD
from adapters.accounts import AccountRecord
from adapters.i18n import translations
from adapters.mail import ALREADY_REGISTERED, PASSWORD_CHANGED
from domain.i18n.languages import is_language
from web.i18n.locale import current_language
from web.services import platform


def link(endpoint: str, **values) -> str:
    """An absolute link for a mail: under CIVICFUND_PUBLIC_URL when set (so a forged Host header
    cannot send the link elsewhere), else the address this request came to."""
    base = platform().settings.public_url
    if base:
        return base + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def _write(account_id: UUID, kind: str, subject: str, body: str) -> None:
    outbox = platform().outbox
    if outbox is not None:
        outbox.write(account_id, kind, subject, body)


def _language(account: AccountRecord) -> str:
    return account.locale if is_language(account.locale) else current_language()


def send_confirmation(account: AccountRecord) -> None:
    token = platform().links.issue(account.id, CONFIRM_EMAIL)
    tr = translations(_language(account))
    _write(account.id, CONFIRM_EMAIL, tr.gettext("Confirm your email for civicfund"), (
        tr.gettext("Hello %(name)s,") % {"name": account.name} + "\n\n"
        + tr.gettext("Please confirm that this is your email address by opening this link "
                     "within two days:") + "\n"
        f"{link('email_confirmation.confirm', token=token)}\n\n"
        + tr.gettext("You can browse and sign in before you confirm; your first pledge needs "
                     "it.") + "\n"
        + tr.gettext("If you did not create a civicfund account, ignore this message.")
    ))


def send_already_registered(account: AccountRecord) -> None:
    tr = translations(_language(account))
    _write(account.id, ALREADY_REGISTERED, tr.gettext("You already have a civicfund account"), (
        tr.gettext("Hello %(name)s,") % {"name": account.name} + "\n\n"
        + tr.gettext("Someone (perhaps you) tried to create a civicfund account with this "
                     "email address, which already has one. Nothing was changed.") + "\n\n"
        + tr.gettext("Log in: %(link)s") % {"link": link("auth.login")} + "\n"
        + tr.gettext("Forgot your password? Choose a new one here: %(link)s") % {
            "link": link("password_reset.forgot")} + "\n\n"
        + tr.gettext("If it was not you, you can ignore this message.")
    ))


def send_reset(account: AccountRecord) -> None:
    token = platform().links.issue(account.id, RESET_PASSWORD)
    tr = translations(_language(account))
    _write(account.id, RESET_PASSWORD, tr.gettext("Choose a new civicfund password"), (
        tr.gettext("Hello %(name)s,") % {"name": account.name} + "\n\n"
        + tr.gettext("To choose a new password, open this link within an hour. It works "
                     "once:") + "\n"
        f"{link('password_reset.reset', token=token)}\n\n"
        + tr.gettext("If you did not ask for this, ignore this message: your password stays "
                     "as it is.")
    ))


def send_password_changed(account: AccountRecord) -> None:
    tr = translations(_language(account))
    _write(account.id, PASSWORD_CHANGED, tr.gettext("Your civicfund password was changed"), (
        tr.gettext("Hello %(name)s,") % {"name": account.name} + "\n\n"
        + tr.gettext("The password of your civicfund account was just changed, and every "
                     "other session was logged out.") + "\n\n"
        + tr.gettext("If this was not you, choose a new password now and tell us: %(link)s")
        % {"link": link("password_reset.forgot")}
    ))
