"""A radar chart of the 8 AIMA domains as a self-contained SVG (written by hand: no plotting dependency).

The filled polygon is each domain's score (mean of its practices, N+ = N.5); the dashed line is each domain's
level (its weakest practice). Rings mark levels 1, 2 and 3.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any
from xml.sax.saxutils import escape

WIDTH, HEIGHT = 760, 620
CX, CY, RADIUS = 380, 320, 195
MAX_LEVEL = 3


def _point(i: int, n: int, value: float) -> tuple[float, float]:
    angle = -math.pi / 2 + 2 * math.pi * i / n
    r = RADIUS * max(0.0, min(value, MAX_LEVEL)) / MAX_LEVEL
    return CX + r * math.cos(angle), CY + r * math.sin(angle)


def _poly(points: list[tuple[float, float]]) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in points)


def radar_svg(maturity: Mapping[str, Any], title: str = "AIMA maturity by domain") -> str:
    domains = list(maturity["domains"])
    n = len(domains)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="Helvetica, Arial, sans-serif">',
        f"<title>{escape(title)}</title>",
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
        f'<text x="{CX}" y="32" text-anchor="middle" font-size="20" font-weight="bold" fill="#1f2937">'
        f"{escape(title)}</text>",
        f'<text x="{CX}" y="54" text-anchor="middle" font-size="12" fill="#6b7280">overall level '
        f'{maturity["level"]}, score {maturity["score"]:.2f} / 3, as of {escape(str(maturity["as_of"]))}</text>',
    ]
    for level in range(1, MAX_LEVEL + 1):
        ring = _poly([_point(i, n, level) for i in range(n)])
        parts.append(f'<polygon points="{ring}" fill="none" stroke="#d1d5db" stroke-width="1"/>')
        x, y = _point(1, 2 * n, level)  # between the first two axes, clear of labels and data points
        # #4b5563 on white is 7.6:1: the HTML report embeds this chart and promises text contrast >= 4.5:1.
        parts.append(f'<text x="{x:.1f}" y="{y:.1f}" font-size="11" fill="#4b5563" text-anchor="middle">'
                     f"level {level}</text>")
    for i in range(n):
        x, y = _point(i, n, MAX_LEVEL)
        parts.append(f'<line x1="{CX}" y1="{CY}" x2="{x:.1f}" y2="{y:.1f}" stroke="#d1d5db" stroke-width="1"/>')
    scores = _poly([_point(i, n, float(d["score"])) for i, d in enumerate(domains)])
    levels = _poly([_point(i, n, float(d["level"])) for i, d in enumerate(domains)])
    parts.append(f'<polygon points="{scores}" fill="#2563eb" fill-opacity="0.25" stroke="#2563eb" stroke-width="2"/>')
    parts.append(f'<polygon points="{levels}" fill="none" stroke="#dc2626" stroke-width="2" stroke-dasharray="6 4"/>')
    for i, d in enumerate(domains):
        x, y = _point(i, n, float(d["score"]))
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="#2563eb"/>')
        lx, ly = _point(i, n, MAX_LEVEL + 0.2)
        cos, sin = math.cos(-math.pi / 2 + 2 * math.pi * i / n), math.sin(-math.pi / 2 + 2 * math.pi * i / n)
        anchor = "middle" if abs(cos) < 0.3 else ("start" if cos > 0 else "end")
        ly += -20 if sin < -0.3 else (14 if sin > 0.3 else 0)  # two label lines sit outside the chart
        parts.append(f'<text x="{lx:.1f}" y="{ly:.1f}" text-anchor="{anchor}" font-size="14" fill="#111827">'
                     f"{escape(d['name'])}</text>")
        parts.append(f'<text x="{lx:.1f}" y="{ly + 16:.1f}" text-anchor="{anchor}" font-size="12" fill="#4b5563">'
                     f"level {d['level']} · score {float(d['score']):.2f}</text>")
    ly = HEIGHT - 24
    parts += [
        f'<rect x="{CX - 180}" y="{ly - 10}" width="14" height="10" fill="#2563eb" fill-opacity="0.25" '
        'stroke="#2563eb"/>',
        f'<text x="{CX - 160}" y="{ly}" font-size="12" fill="#374151">score (mean of practices)</text>',
        f'<line x1="{CX + 20}" y1="{ly - 5}" x2="{CX + 44}" y2="{ly - 5}" stroke="#dc2626" stroke-width="2" '
        'stroke-dasharray="6 4"/>',
        f'<text x="{CX + 50}" y="{ly}" font-size="12" fill="#374151">level (weakest practice)</text>',
        "</svg>",
    ]
    return "\n".join(parts) + "\n"
