"""The shared kernel every area builds on: Money, the clock, who is acting (context), domain
errors, plain-text checks, the base aggregate that stamps actor and correlation id on every event,
and the payment port. Imports nothing from the areas."""
