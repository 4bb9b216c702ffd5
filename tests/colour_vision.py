"""Colour measurements for the palette tests: WCAG contrast, and how colours look to colour-blind viewers.

The simulation is Machado, Oliveira & Fernandes (2009), severity 1.0 (full dichromacy), applied to
linear sRGB; distances are CIE76 Delta E in CIELAB (D65). Delta E above about 10 reads as clearly
different colours at a glance.
"""

from __future__ import annotations

import numpy as np

MACHADO = {
    "protanopia": np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]]),
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]]),
    "tritanopia": np.array([[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]]),
}
SRGB_TO_XYZ = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
WHITE_D65 = np.array([0.95047, 1.0, 1.08883])


def linear_rgb(colour: str) -> np.ndarray:
    channels = np.array([int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)])
    return np.where(channels <= 0.04045, channels / 12.92, ((channels + 0.055) / 1.055) ** 2.4)


def relative_luminance(colour: str) -> float:
    return float(np.dot([0.2126, 0.7152, 0.0722], linear_rgb(colour)))


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG 2 contrast: 4.5 is the floor for body text, 7 the enhanced (AAA) level."""
    lighter, darker = sorted((relative_luminance(foreground), relative_luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def lab(rgb_linear: np.ndarray) -> np.ndarray:
    xyz = SRGB_TO_XYZ @ np.clip(rgb_linear, 0.0, 1.0) / WHITE_D65
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def seen_as(colour: str, vision: str | None) -> np.ndarray:
    """The CIELAB colour a viewer with this vision ("protanopia", ...; None for typical vision) sees."""
    rgb = linear_rgb(colour)
    return lab(MACHADO[vision] @ rgb if vision else rgb)


def delta_e(first: str, second: str, vision: str | None = None) -> float:
    return float(np.linalg.norm(seen_as(first, vision) - seen_as(second, vision)))
