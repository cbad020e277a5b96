"""The transparency log on the web: signed checkpoints and the verifier key (public pages),
inclusion and consistency proofs (API)."""
