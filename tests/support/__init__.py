"""Helpers the tests share: real engines the suite starts itself (postgres, redis, nodes)."""
