"""(being written this session)"""

from __future__ import annotations


def install(window) -> None:
    """Adds this feature's actions to the window (window.menus, window.add_action)."""
