"""The revocation store: token ids, per-user cut-offs, refresh families and sessions that must no longer work."""
