"""MockRoom: a self-hosted room for live mock interviews."""

__version__ = "0.1.0"
