"""Sharing a quadratic-funding round's pool among its projects.

A project's ideal match is (sum over its backers of the square root of what each gave)^2 minus
what they gave in total. When the ideals add up to more than the pool they are scaled down to it;
a project's share is capped, and what the cap cuts off goes to the projects under it, in
proportion to their ideals. Shares are whole minor units and never add up to more than the pool.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from decimal import ROUND_FLOOR, Context, Decimal

_CONTEXT = Context(prec=60)


def ideal_match(contributions: list[int]) -> int:
    """(sum of square roots)^2 - sum, in whole minor units, rounded down."""
    roots = sum((_CONTEXT.sqrt(Decimal(c)) for c in contributions), Decimal(0))
    square = _CONTEXT.multiply(roots, roots)
    ideal = square - sum(contributions)
    return max(0, int(ideal.to_integral_value(rounding=ROUND_FLOOR)))


def share_pool(
    backers_by_project: Mapping[Hashable, Mapping[Hashable, int]],
    *,
    pool: int,
    cap: Mapping[Hashable, int | None] | None = None,
    min_contribution: int = 0,
) -> dict[Hashable, int]:
    """Each project's match from a pool of `pool` minor units.

    `backers_by_project` maps a project to each backer's total gift to it; totals under
    `min_contribution` do not count. `cap` gives a project's most (None: no cap).
    """
    cap = cap or {}
    ideals = {
        project: ideal_match([c for c in backers.values() if c >= max(1, min_contribution)])
        for project, backers in backers_by_project.items()
    }
    shares = {project: 0 for project in ideals}
    open_projects = [p for p in ideals if ideals[p] > 0]
    remaining = pool
    # Each round gives the projects not yet at their cap their (scaled) ideal; a capped project
    # is fixed at its cap and what it could not take is offered to the others again.
    while remaining > 0 and open_projects:
        wanted = {p: ideals[p] - shares[p] for p in open_projects}
        total_wanted = sum(wanted.values())
        if total_wanted <= remaining:
            offer = dict(wanted)
        else:
            scaled = _largest_remainder(remaining, {p: ideals[p] for p in open_projects})
            offer = {p: min(scaled[p], wanted[p]) for p in open_projects}
        capped_now = []
        for project in open_projects:
            limit = cap.get(project)
            room = offer[project] if limit is None else min(offer[project], limit - shares[project])
            if limit is not None and shares[project] + offer[project] >= limit:
                capped_now.append(project)
            shares[project] += max(0, room)
        remaining = pool - sum(shares.values())
        satisfied = [p for p in open_projects if shares[p] >= ideals[p]]
        still_open = [p for p in open_projects if p not in capped_now and p not in satisfied]
        if not capped_now or still_open == open_projects:
            break
        open_projects = still_open
    return shares


def _largest_remainder(amount: int, weights: Mapping[Hashable, int]) -> dict[Hashable, int]:
    total = sum(weights.values())
    keys = list(weights)
    floors = {k: amount * weights[k] // total for k in keys}
    remainders = {k: amount * weights[k] % total for k in keys}
    short = amount - sum(floors.values())
    for k in sorted(keys, key=lambda k: (-remainders[k], keys.index(k)))[:short]:
        floors[k] += 1
    return floors
