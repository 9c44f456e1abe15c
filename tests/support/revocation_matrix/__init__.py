"""Support of the revocation matrix (tests/integration/test_revocation_matrix.py)."""
