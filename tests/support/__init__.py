"""Helpers the tests share: real engines started by the suite itself (postgres)."""
