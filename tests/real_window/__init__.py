"""Tests in a real window: Xvfb, a window manager, real key presses and pointer moves (run with `python -m tests.real_window`)."""
