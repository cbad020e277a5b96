"""Pure evaluation rules: sealing, the weighted score and ranking, envelope shares.

weighted score = sum over criteria of weight x mean score / 10, so 0-100 when weights sum to 100
and scores are 0-10. Ties go to the higher benefit-cost ratio, then to the earlier submission.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from uuid import UUID

TWO_PLACES = Decimal("0.01")


def mean(values: Sequence[int]) -> Decimal | None:
    if not values:
        return None
    return Decimal(sum(values)) / Decimal(len(values))


def criterion_means(
    scores: Mapping[str, Mapping[str, int]], criteria: Sequence[str]
) -> dict[str, Decimal | None]:
    """Each criterion's mean over the evaluators who scored (evaluator -> criterion -> 0..10)."""
    return {
        name: mean([sheet[name] for sheet in scores.values() if name in sheet])
        for name in criteria
    }


def weighted_score(means: Mapping[str, Decimal | None], weights: Mapping[str, int]) -> Decimal:
    """sum of weight x mean / 10, half-even to two decimals; an unscored criterion counts 0."""
    total = sum(
        (Decimal(weight) * (means.get(name) or Decimal(0)) / Decimal(10)
         for name, weight in weights.items()),
        Decimal(0),
    )
    return total.quantize(TWO_PLACES, rounding=ROUND_HALF_EVEN)


def rounded(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(TWO_PLACES, rounding=ROUND_HALF_EVEN)


@dataclass(frozen=True)
class Entry:
    proposal_id: UUID
    weighted_score: Decimal
    bcr: Decimal | None
    submitted_at: datetime


@dataclass(frozen=True)
class Ranked:
    proposal_id: UUID
    weighted_score: Decimal
    rank: int
    bcr: Decimal | None
    submitted_at: datetime


def rank(entries: Iterable[Entry]) -> list[Ranked]:
    """Highest weighted score first; a tie goes to the higher benefit-cost ratio (a proposal
    without one counts below any ratio), then to the earlier submission."""

    def key(entry: Entry):
        has_bcr = entry.bcr is not None
        return (-entry.weighted_score, not has_bcr, -(entry.bcr or Decimal(0)),
                entry.submitted_at, str(entry.proposal_id))

    ordered = sorted(entries, key=key)
    return [Ranked(e.proposal_id, e.weighted_score, n, e.bcr, e.submitted_at)
            for n, e in enumerate(ordered, start=1)]


def is_sealed(
    *,
    evaluators: Iterable[str],
    proposals: Mapping[UUID, tuple[set[str], set[str]]],
    closed_by_officer: bool,
) -> bool:
    """Scores stay sealed until every appointed evaluator who did not declare a conflict has
    scored every proposal (proposal -> (who scored, who is conflicted)), or an officer closed
    the evaluation. Without evaluators or proposals only the officer unseals."""
    if closed_by_officer:
        return False
    evaluators = set(evaluators)
    if not evaluators or not proposals:
        return True
    return any(not (evaluators - conflicted) <= scored
               for scored, conflicted in proposals.values())


def shares(whole: int, percents: Sequence[int]) -> list[int]:
    """Split `whole` minor units by percentages (summing to 100) with the largest remainder,
    so the shares sum exactly to the whole."""
    exact = [whole * p for p in percents]
    floors = [x // 100 for x in exact]
    left = whole - sum(floors)
    order = sorted(range(len(percents)), key=lambda i: (-(exact[i] % 100), i))
    for i in order[:left]:
        floors[i] += 1
    return floors


def room_in_share(share: int, awarded: Iterable[int]) -> int:
    """What an envelope share can still take: never below zero."""
    return max(0, share - sum(awarded))
