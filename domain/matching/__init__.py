"""Matching funds: pools with published, versioned rules (ratio, threshold, fixed grant,
quadratic), what they add to pledges and projects, and keeping them from over-committing."""
