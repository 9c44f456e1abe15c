"""The workshop's views, one module per page: the page itself and the JSON endpoints its script calls.

`lab` (the guided lab, the start page), `inspector`, `mistakes`, `bench`, `hybrid`, `logins`.
"""
