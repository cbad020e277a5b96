"""Receipts and notices land in the outbox once each, and go out by SMTP when it is set."""

from __future__ import annotations

import socketserver
import threading
from dataclasses import replace
from datetime import timedelta

import pytest

from adapters.bootstrap import ConfigurationError, build_payments
from adapters.settings import Settings
from adapters.settlement_rounds import settle_due
from adapters.stripe_payments import StripeGateway
from tests.conftest import World


def kinds(platform, account_id) -> list[str]:
    return sorted(m.kind for m in platform.outbox.messages(account_id=account_id))


@pytest.fixture
def funded_campaign(any_platform, clock):
    world = World(any_platform, clock)
    city = world.city()
    project = world.project(city, world.officer(city), closes_in=timedelta(days=2),
                            lines=(("Sensors", "100.00", True),))
    payer, failer = world.citizen("payer@example.org"), world.citizen("failer@example.org")
    world.pledge(project, payer, "90.00")
    world.pledge(project, failer, "20.00", payment_method="pm_card_chargeCustomerFail")
    return world, project, payer, failer


def test_each_pledge_event_writes_its_message_once(any_platform, clock, funded_campaign):
    _, _, payer, failer = funded_campaign
    assert kinds(any_platform, payer) == ["confirmation"]
    confirmation = any_platform.outbox.messages(account_id=payer)[0]
    assert "EUR 90.00" in confirmation.subject
    assert "only if the pilot reaches its minimum" in confirmation.body
    assert "@" not in confirmation.body, "no personal data in the message text"

    clock.advance(days=3)
    settle_due(any_platform.app, any_platform.engine, any_platform.projections)

    assert kinds(any_platform, payer) == ["confirmation", "receipt"]
    assert kinds(any_platform, failer) == ["confirmation", "payment_failed"]
    notice = any_platform.outbox.messages(account_id=failer)[0]
    assert "another card" in notice.body and "declined" in notice.body

    before = len(any_platform.outbox.messages())
    any_platform.projections.rebuild()
    assert len(any_platform.outbox.messages()) == before, "a rebuild wrote mail again"


class _SmtpHandler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        def say(line: str) -> None:
            self.wfile.write(f"{line}\r\n".encode())

        say("220 test smtp")
        envelope: dict = {"to": [], "data": ""}
        while line := self.rfile.readline().decode():
            verb = line[:4].upper()
            if verb in ("EHLO", "HELO"):
                say("250 test")
            elif verb == "MAIL":
                say("250 ok")
            elif verb == "RCPT":
                envelope["to"].append(line.split(":", 1)[1].strip().strip("<>"))
                say("250 ok")
            elif verb == "DATA":
                say("354 go on")
                body = []
                while (data := self.rfile.readline().decode()) not in (".\r\n", ""):
                    body.append(data)
                envelope["data"] = "".join(body)
                self.server.received.append(dict(envelope))
                envelope = {"to": [], "data": ""}
                say("250 queued")
            elif verb == "QUIT":
                say("221 bye")
                return
            else:
                say("250 ok")


def test_the_worker_sends_waiting_mail_to_the_account_address_once(platform, clock):
    world = World(platform, clock)
    city = world.city()
    project = world.project(city, world.officer(city))
    citizen = world.citizen("rita@example.org")
    world.pledge(project, citizen, "12.00")

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SmtpHandler)
    server.received = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        platform.settings = replace(
            platform.settings, smtp_host="127.0.0.1", smtp_port=server.server_address[1],
            smtp_starttls=False,
        )
        assert platform.send_mail() == 1
        assert platform.send_mail() == 0
    finally:
        server.shutdown()
        server.server_close()
    assert [m["to"] for m in server.received] == [["rita@example.org"]]
    assert "Your pledge of EUR 12.00" in server.received[0]["data"]
    assert all(m.sent_at is not None for m in platform.outbox.messages())


def test_without_smtp_mail_waits_in_the_outbox(platform, clock):
    world = World(platform, clock)
    city = world.city()
    world.pledge(world.project(city, world.officer(city)), world.citizen(), "5.00")
    assert platform.send_mail() == 0
    assert [m.sent_at for m in platform.outbox.messages()] == [None]


def test_stripe_payments_need_a_secret_key(platform):
    settings = Settings(database_url="sqlite://", payments="stripe")
    with pytest.raises(ConfigurationError, match="CIVICFUND_STRIPE_SECRET_KEY"):
        build_payments(settings, platform.engine)
    gateway = build_payments(replace(settings, stripe_secret_key="sk_test_x"), platform.engine)
    assert isinstance(gateway, StripeGateway)
    with pytest.raises(ConfigurationError, match="sandbox or stripe"):
        build_payments(replace(settings, payments="paypal"), platform.engine)
