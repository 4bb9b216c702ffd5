"""The features that live in modules of their own, each adding its actions and widgets to the window.

Each module's ``install(window)`` runs while the window is built, before its first paint: it makes
QActions and connects signals only, and imports its heavy parts (the code reader, the question
maker, lesson files) when first used, so start-up stays within its limit (benchmarks/bench_startup.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gui import code_import, demo_panel, lessons, questions, sharing

if TYPE_CHECKING:
    from gui.main_window import MainWindow

FEATURES = (code_import, questions, lessons, sharing, demo_panel)


def install_features(window: MainWindow) -> None:
    for feature in FEATURES:
        feature.install(window)
