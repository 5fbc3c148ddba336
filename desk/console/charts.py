"""Bar charts drawn here as SVG geometry (the template writes the elements): no script, no
third-party library, readable without colour (every bar has its number)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Bar:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float


@dataclass
class Chart:
    width: int
    height: int
    bars: list[Bar]
    baseline: float


def bars(series: list[tuple[str, int]], width: int = 640, height: int = 200, bottom: int = 36,
         top: int = 18) -> Chart:
    usable = height - bottom - top
    top_value = max((v for _, v in series), default=0) or 1
    step = width / max(1, len(series))
    out = []
    for i, (label, value) in enumerate(series):
        h = usable * value / top_value
        out.append(Bar(label, value, x=i * step + step * 0.15, y=top + usable - h, width=step * 0.7, height=h))
    return Chart(width, height, out, baseline=top + usable)
