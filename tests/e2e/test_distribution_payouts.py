"""An approved benefit report's distribution paid out to investors through the payments port
by the worker: owed on the ledger until paid, a refusal recorded, shown on /invest/mine and
retried a day later under a new key, never paid twice, never lost."""

from __future__ import annotations

from uuid import UUID

from adapters.investment_rounds import move_investment_money
from adapters.ledger_audit import audit_ledger
from domain.investment.agreement import Agreement
from domain.kernel.money import Money
from domain.kernel.payments import DECLINED, investment_key
from tests.conftest import login
from tests.e2e.test_api_agreements import Sharing


def rounds(on):
    return move_investment_money(on.platform.app, on.platform.engine, on.platform.projections)


def work(on):
    [report] = rounds(on)
    return report


def balance(on, investor, account):
    return on.platform.ledger.account(f"investor/{investor}/{account}/EUR", "EUR", offset=0,
                                      limit=1).balance.to_decimal_string()


def payouts_to(on, investor):
    """The sandbox's payouts (negative amounts) that went back to this investor's pay-in."""
    mine = {c.reference for c in on.platform.app.get_offer(UUID(on.offer)).commitments.values()
            if c.investor_id == investor}
    return [c["amount"] for c in on.platform.payments.charges()
            if c["reference"].startswith("po_") and c["intent"] in mine]


def test_a_refused_distribution_payout_is_shown_retried_and_paid_once(world, client):
    on = Sharing(world, client)
    work(on)  # both investors pay in
    offer = on.platform.app.get_offer(UUID(on.offer))
    bob_id = next(c.investor_id for c in offer.commitments.values()
                  if c.investor_id != on.alice_id)
    on.sign(on.headers, "city")
    on.sign(on.owner, "proposer")
    made = on.report()
    approved = client.post(f"/api/v1/benefit-reports/{made.json['id']}/approve",
                           headers=on.second)
    assert approved.status_code == 200, approved.text
    # 1,000.00 returns capital 3:1: 750.00 owed to Alice, 250.00 to Bob.
    assert balance(on, on.alice_id, "receivable") == "750.00"
    on.platform.payments.refused_payees.add(on.alice_id)
    report = work(on)
    assert (report.paid_out, report.payout_failed) == (1, 1)
    assert (balance(on, bob_id, "receivable"), balance(on, bob_id, "received")) == (
        "0.00", "250.00")
    assert (balance(on, on.alice_id, "receivable"), balance(on, on.alice_id, "received")) == (
        "750.00", "0.00")  # owed, not lost

    login(client, world.emails[on.alice_id])
    page = client.get("/invest/mine").text
    assert (f"The distribution of EUR 750.00 from benefit report {made.json['id']}"
            in page)
    assert "failed: The payout was refused: the account it goes to cannot receive it." in page
    assert "It is owed to you and tried again after" in page

    world.clock.advance(hours=12)
    assert work(on).acted is False  # its retry is not due yet
    on.platform.payments.refused_payees.clear()
    world.clock.advance(hours=12)
    assert work(on).paid_out == 1
    assert rounds(on) == []  # all paid: the offer leaves the worker's rounds
    assert (balance(on, on.alice_id, "receivable"), balance(on, on.alice_id, "received")) == (
        "0.00", "750.00")
    assert payouts_to(on, on.alice_id) == [-75000] and payouts_to(on, bob_id) == [-25000]
    agreement = on.platform.app.get_agreement(on.project)
    [paid] = [p for p in agreement.payouts.values() if p.investor == str(on.alice_id)]
    assert (paid.state, paid.attempts) == ("paid", 1)
    # Each attempt has its own deterministic key: asked again, the processor gives the same
    # answers (the refusal, then the payout), so a worker that died after asking pays nothing
    # twice.
    key = investment_key(Agreement.create_id(on.project),
                         f"report-{made.json['id']}-{on.alice_id}")

    def ask(attempt):
        return on.platform.payments.pay_out(
            payee_id=on.alice_id, paid_in_reference="ch_x", amount=Money(75000, "EUR"),
            idempotency_key=f"{key}-payout-{attempt}")

    assert ask(1).outcome == DECLINED and ask(2).reference == paid.reference
    assert payouts_to(on, on.alice_id) == [-75000]

    page = client.get("/invest/mine").text
    assert "The distribution of EUR 750.00" not in page
    assert f"Benefit report {made.json['id']}, tier 1, agreement version 1" in page
    assert 'data-figure="distributions">EUR 750.00' in page
    assert audit_ledger(on.platform.app, on.platform.engine).ok

