"""A quadratic round shares its pool by worked examples (amounts in minor units, worked by hand).

Ideal matches used below, (sum of square roots)^2 - sum:
  A: backers 400 and 100  -> (20 + 10)^2 - 500     = 400
  B: one backer of 900    -> 30^2 - 900            = 0    (one backer alone gets nothing)
  C: four backers of 100  -> (4 x 10)^2 - 400      = 1200
  D: two backers of 100   -> (10 + 10)^2 - 200     = 200
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.matching.quadratic import ideal_match, share_pool

A = {"ana": 400, "bo": 100}
B = {"cy": 900}
C = {"di": 100, "ed": 100, "fa": 100, "gu": 100}
D = {"ha": 100, "io": 100}


def test_ideal_matches_follow_the_formula():
    assert ideal_match(list(A.values())) == 400
    assert ideal_match(list(B.values())) == 0
    assert ideal_match(list(C.values())) == 1200
    assert ideal_match(list(D.values())) == 200
    # sqrt(2) + sqrt(3) = 3.14626...; squared 9.89897... - 5 = 4.89897... -> rounded down to 4
    assert ideal_match([2, 3]) == 4


def test_a_pool_larger_than_the_ideals_pays_each_project_its_ideal_and_keeps_the_rest():
    shares = share_pool({"A": A, "B": B, "C": C}, pool=10_000)

    assert shares == {"A": 400, "B": 0, "C": 1200}


def test_a_pool_smaller_than_the_ideals_is_scaled_down_and_shared_exactly():
    # 800 over ideals 400 : 1200 -> 200 and 600.
    assert share_pool({"A": A, "B": B, "C": C}, pool=800) == {"A": 200, "B": 0, "C": 600}
    # 1001: A 250.25 and C 750.75 -> floors 250 + 750 = 1000; the one unit left goes to the
    # larger remainder (C), so the pool is shared to the last cent.
    shares = share_pool({"A": A, "C": C}, pool=1001)
    assert shares == {"A": 250, "C": 751}
    assert sum(shares.values()) == 1001


def test_a_capped_project_overflow_goes_to_the_projects_under_their_caps():
    # Pool 1000 over ideals A 400, C 1200, D 200 (1800): A 222.2, C 666.7, D 111.1.
    # C is capped at 500; the other 500 is shared by A and D as 400 : 200 -> 333.3 and 166.7,
    # rounded to 333 and 167 (the larger remainder takes the unit).
    shares = share_pool({"A": A, "C": C, "D": D}, pool=1000, cap={"C": 500})

    assert shares == {"A": 333, "C": 500, "D": 167}
    assert sum(shares.values()) == 1000


def test_overflow_beyond_every_ideal_stays_in_the_pool():
    # Pool 1000: A 250, C 750 scaled; C capped at 300; A then gets its whole ideal (400);
    # the remaining 300 has nowhere to go.
    shares = share_pool({"A": A, "C": C}, pool=1000, cap={"A": None, "C": 300})

    assert shares == {"A": 400, "C": 300}


def test_backers_under_the_minimum_contribution_do_not_count():
    with_small = {"ana": 400, "bo": 100, "cy": 4}
    # All count: (20 + 10 + 2)^2 - 504 = 520.
    assert share_pool({"A": with_small}, pool=10_000) == {"A": 520}
    # From 100 up: cy's 4 is left out -> (20 + 10)^2 - 500 = 400; bo's 100 still counts.
    assert share_pool({"A": with_small}, pool=10_000, min_contribution=100) == {"A": 400}
    # From 101 up: only ana counts, and one backer alone has no ideal match.
    assert share_pool({"A": with_small}, pool=10_000, min_contribution=101) == {"A": 0}


backers = st.dictionaries(st.integers(0, 20), st.integers(1, 50_000), max_size=8)
projects = st.dictionaries(st.sampled_from("PQRSTU"), backers, min_size=1, max_size=6)


@settings(deadline=None)  # examples: as the profile says (tests/conftest.py)
@given(
    projects=projects,
    pool=st.integers(0, 200_000),
    caps=st.dictionaries(st.sampled_from("PQRSTU"), st.none() | st.integers(0, 50_000)),
    min_contribution=st.integers(0, 2_000),
)
def test_shares_never_exceed_the_pool_a_cap_or_an_ideal(projects, pool, caps, min_contribution):
    shares = share_pool(projects, pool=pool, cap=caps, min_contribution=min_contribution)

    assert set(shares) == set(projects)
    assert sum(shares.values()) <= pool
    ideals = {
        p: ideal_match([c for c in b.values() if c >= max(1, min_contribution)])
        for p, b in projects.items()
    }
    for project, share in shares.items():
        assert 0 <= share <= ideals[project]
        if caps.get(project) is not None:
            assert share <= caps[project]
    # Nothing is held back that a project under its cap could still take (to a unit per
    # project, from rounding).
    room = sum(min(ideals[p], caps[p] if caps.get(p) is not None else ideals[p]) for p in ideals)
    assert sum(shares.values()) >= min(pool, room) - len(projects)
    if not any(c is not None for c in caps.values()) and sum(ideals.values()) >= pool:
        assert sum(shares.values()) == pool
