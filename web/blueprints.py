"""Every blueprint the app serves. A module that is not written yet is simply skipped."""

from __future__ import annotations

import importlib

MODULES = (
    "web.public",
    "web.auth",
    "web.password_reset",
    "web.email_confirmation",
    "web.security_page",
    "web.account",
    "web.pledging",
    "web.console",
    "web.funds",
    "web.fund_console",
    "web.delivery",
    "web.admin",
    "web.api",
    "web.webhooks",
)


def BLUEPRINTS():
    for name in MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as missing:
            if missing.name == name:
                continue
            raise
        yield module.bp
