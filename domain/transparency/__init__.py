"""The event log as a transparency log (RFC 9162): each stored event's entry and leaf bytes, the
Merkle tree's hashes and proofs, and checkpoints written as C2SP signed notes. Pure: storage and
signatures live in adapters/transparency_*.py."""
