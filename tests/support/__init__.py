"""Helpers shared by the test suites: clients per door, servers, attacks, fixtures. Nothing here is a test."""
