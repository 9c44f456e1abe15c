"""Token Lab's HTTP plumbing: error bodies, outage handling, strict parsers and fields, the request guard, health.

Used by every app; imports nothing of the project (the lowest layer, see docs/architecture.md).
"""
