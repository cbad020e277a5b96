"""Investment: the pure money rules of community bonds and benefit-sharing agreements.

Nothing here records anything: these are the rules the offer and agreement aggregates (and the
read models) apply. `splits` shares an amount exactly, `bonds` computes a community bond's
schedule and shares each line among holders, `waterfall` distributes one approved benefit report
through a benefit-sharing agreement. Amounts are `Money` (integer minor units), rates are
`Decimal` fractions (0.045 for 4.5 %), never floats.
"""
