"""Where the templates, static assets and shipped question banks live.

A wheel carries them as package data (``mockroom/web/templates``, ``mockroom/web/static``,
``mockroom/question_banks``), copied in by the build step in setup.py. A checkout or an editable
install has none of that inside the package and reads the repository's own ``web/`` and
``question_banks/`` instead, so editing a template or a bank needs no reinstall.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

# server/mockroom/resources.py -> the repository root (only meaningful in a checkout).
_CHECKOUT_ROOT = Path(__file__).resolve().parents[2]


def data_root() -> Path:
    """The folder that holds ``web/`` and ``question_banks/``: the package, else the checkout."""
    packaged = resources.files("mockroom")
    # An installed wheel is unpacked on disk, so files() is a real path aiohttp and Jinja2 can
    # serve from; a zipped import would not be, and falls through to the checkout layout.
    if isinstance(packaged, Path) and (packaged / "web" / "templates").is_dir():
        return packaged
    return _CHECKOUT_ROOT


def web_dir() -> Path:
    return data_root() / "web"


def banks_dir() -> Path:
    return data_root() / "question_banks"
