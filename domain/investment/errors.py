"""The investment rules' domain errors. Each names the `field` of the input it is about."""

from __future__ import annotations

from domain.kernel.errors import DomainError


class InvalidTerms(DomainError):
    """An offer's or agreement's terms are out of range (rate, term, payments, residual)."""

    code = "invalid_terms"
    field = "terms"


class InvalidSplit(DomainError):
    """Weights or holdings that cannot share an amount (negative, none positive, not numbers)."""

    code = "invalid_split"
    field = "weights"


class InvalidDistribution(DomainError):
    """A benefit amount or period that cannot be distributed (negative, period backwards)."""

    code = "invalid_distribution"
    field = "amount"
