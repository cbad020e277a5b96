"""Property: whatever awards an officer tries, in whatever order and phase, a call's awards
never exceed its envelope nor any phase's share of it, and refused awards record nothing."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from domain.kernel.errors import DomainError
from domain.kernel.money import Money
from domain.procurement.evaluation import shares
from tests.unit.procurement_harness import Procure

PHASES = [{"name": "Design", "budget_percent": 33, "max_suppliers": 3},
          {"name": "Prototype", "budget_percent": 67, "max_suppliers": 3}]

attempts = st.lists(
    st.tuples(st.sampled_from(["award", "advance"]), st.integers(0, 2),
              st.integers(1, 6_000_00)),
    max_size=12,
)


@given(budget=st.integers(1, 10_000_00), steps=attempts)
def test_an_envelope_is_never_over_committed(budget, steps):
    p = Procure()
    call_id = p.open_call(route="pcp", phases=PHASES, budget=Money(budget, "EUR"))
    proposals = [p.propose(call_id, n % 2, title=f"Bins {n}") for n in range(3)]
    p.after_window()
    with p.as_officer():
        p.app.close_call(call_id)  # officer closes the evaluation: ranking unsealed
    for kind, which, amount in steps:
        before = len(p.events())
        try:
            if kind == "award":
                with p.as_officer():
                    p.app.award(call_id, proposals[which], amount=Money(amount, "EUR"),
                                reason="Good")
            else:
                with p.as_officer():
                    call = p.app.get_call(call_id)
                    p.app.advance_phase(call_id, call.phase, proposals[: which + 1])
                    p.app.close_evaluation(call_id)
        except DomainError:
            assert len(p.events()) == before
    call = p.app.get_call(call_id)
    limits = shares(budget, [33, 67])
    for phase, limit in enumerate(limits, start=1):
        assert sum(a[2] for a in call.awards if a[0] == phase) <= limit
    assert sum(a[2] for a in call.awards) <= budget
