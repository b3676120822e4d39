"""Pictures for the feedback page and the class report, drawn as small inline SVG.

A check that fails hands over a figure payload (``checks.CheckFailure.figure``): a dict
with a "kind" and plain lists. ``svg(figure, text)`` returns its SVG markup: self-contained
(no font, image or script from elsewhere), the same bytes for the same payload, and cheap
(well under a millisecond: matplotlib took 150 to 300 ms a picture on the 2-core machine,
more than the 50 ms a page may add to a submission, so the pictures are drawn here).

Kinds (lists are JSON-ready; "student" is the submission's, "reference" the expected):
- "error_map": {"error": (R, C) relative errors in [0, 1]} where a 2-D array is wrong
- "loss_curves": {"student": [...], "reference": [...], "x": "step" or "epoch"}
- "gradient_norms": {"student": [...], "reference": [...]} one norm per Linear layer, drawn on a
  log axis (vanishing gradients span decades) with the ratio of the first layer's norm to the
  last's written above it
- "masks": {"student": [bool...], "reference": [bool...]} dead units of one ReLU layer
- "scores": {"scores": [...], "max_score": float} (the class report's distribution)
"""

import math
import unicodedata

from markupsafe import escape

W, H = 440, 200                        # the drawing; the plot area is inside the margins
LEFT, RIGHT, TOP, BOTTOM = 60, 12, 24, 34   # LEFT: the y title at x 10, then ticks of up to 7 characters
STUDENT, REFERENCE, INK, GRID = "#c0392b", "#8c959f", "#1f2328", "#d1d9e0"


def _num(value):
    return f"{value:.3g}"


def _text(x, y, words, anchor="middle", size=11, color=INK, extra=""):
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" fill="{color}"{extra}>'
            f"{escape(words)}</text>")


SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def power_of_ten(value):
    """A power of ten written short, as an axis shows it: 1, 10, 10², 10⁻⁴."""
    exponent = round(math.log10(value))
    return {0: "1", 1: "10"}.get(exponent, "10" + str(exponent).translate(SUPERSCRIPT))


def _frame(y_low, y_high, x_label, y_label, y_ticks=None, log=False):
    """The axes box, y ticks and labels; returns (parts, y(value) -> pixel). On a log axis the
    ticks are powers of ten (``power_of_ten``)."""
    bottom, height = H - BOTTOM, H - BOTTOM - TOP
    scale = (lambda v: math.log10(v)) if log else (lambda v: v)
    lo, hi = scale(y_low), scale(y_high)
    span = (hi - lo) or 1.0

    def y(value):
        return bottom - (scale(value) - lo) / span * height

    ticks = y_ticks if y_ticks is not None else [y_low, (y_low + y_high) / 2, y_high]
    parts = [f'<rect x="{LEFT}" y="{TOP}" width="{W - LEFT - RIGHT}" height="{height}" fill="none" stroke="{GRID}"/>']
    for t in ticks:
        parts.append(f'<line x1="{LEFT - 4}" x2="{W - RIGHT}" y1="{y(t):.1f}" y2="{y(t):.1f}" stroke="{GRID}"/>')
        parts.append(_text(LEFT - 8, y(t) + 4, power_of_ten(t) if log else _num(t), "end", 9))  # clear of x's first
    parts.append(_text((LEFT + W - RIGHT) / 2, H - 4, x_label))
    parts.append(_text(10, TOP + height / 2, y_label, extra=f' transform="rotate(-90 10 {TOP + height / 2:.1f})"'))
    return parts, y


def text_width(words, size):
    """The width ``words`` take at font ``size``, a little over: a wide character (Hangul, CJK)
    about one em, any other about 0.62 em."""
    return sum(size if unicodedata.east_asian_width(ch) in "WF" else 0.62 * size for ch in words)


SWATCH, GAP = 10, 16  # a legend entry: a colour square, 4 px, its label; GAP between entries


def _legend(entries, size=11):
    """Entries (label, colour) right-aligned above the plot, each a colour square and its label,
    placed by their measured widths so no two ever touch."""
    parts, x = [], W - RIGHT
    for label, color in reversed(entries):
        x -= text_width(label, size)
        parts.append(_text(x, TOP - 8, label, "start", size))
        x -= SWATCH + 4
        parts.append(f'<rect x="{x:.1f}" y="{TOP - 8 - SWATCH:.1f}" width="{SWATCH}" height="{SWATCH}" fill="{color}"/>')
        x -= GAP
    return parts


def _x(i, n):
    return LEFT + (i + 0.5) * (W - LEFT - RIGHT) / n


def loss_curves(figure, text):
    series = [(text("expected"), figure["reference"], REFERENCE, 4), (text("yours"), figure["student"], STUDENT, 1.8)]
    values = [v for _, s, _, _ in series for v in s]
    low, high = min(values), max(values)
    pad = 0.08 * ((high - low) or abs(high) or 1.0)
    parts, y = _frame(low - pad, high + pad, text(figure.get("x", "step")), text("loss"))
    n = max(len(s) for _, s, _, _ in series)
    for _, s, color, width in series:
        points = " ".join(f"{_x(i, n):.1f},{y(v):.1f}" for i, v in enumerate(s))
        parts.append(f'<polyline points="{points}" fill="none" stroke="{color}" stroke-width="{width}" '
                     f'stroke-linejoin="round" stroke-opacity="0.85"/>')
        parts += [f'<circle cx="{_x(i, n):.1f}" cy="{y(v):.1f}" r="{width / 2 + 1:.1f}" fill="{color}"/>'
                  for i, v in enumerate(s)]
    parts += [_text(_x(i, n), H - BOTTOM + 13, str(i + 1), size=10) for i in range(n) if n <= 12 or i in (0, n - 1)]
    return parts + _legend([(label, color) for label, _, color, _ in series])


def first_to_last(norms):
    """The first layer's gradient norm over the last's, in words ("1.2e+03"; "-" when the last is 0)."""
    return f"{norms[0] / norms[-1]:.3g}" if norms and norms[-1] > 0 else "-"


RATIO_BAND = 20  # px above the gradient-norm plot for its sentence


def gradient_norms(figure, text):
    """Bars per layer on a log axis from the power of ten below the smallest non-zero norm to the one
    above the largest (so every bar shows), ticks at decades (at most 6), a 0 written where a norm
    is 0; above the plot, the first-to-last ratio of both, yours and the expected."""
    series = [(text("yours"), figure["student"], STUDENT), (text("expected"), figure["reference"], REFERENCE)]
    positive = [v for _, s, _ in series for v in s if v > 0] or [1.0]
    low, high = math.ceil(math.log10(min(positive))) - 1, math.floor(math.log10(max(positive))) + 1
    step = math.ceil((high - low) / 5)
    parts, y = _frame(10.0 ** low, 10.0 ** high, text("layer", n="").strip(), text("gradient_norm"),
                      [10.0 ** e for e in range(low, high + 1, step)], log=True)
    n = len(figure["reference"])
    width = (W - LEFT - RIGHT) / n * 0.35
    for k, (_, s, color) in enumerate(series):
        for i, v in enumerate(s):
            x = _x(i, n) + (k - 1) * width
            if v <= 0:
                parts.append(_text(x + width / 2, H - BOTTOM - 3, "0", size=10, color=color))
                continue
            parts.append(f'<rect x="{x:.1f}" y="{y(v):.1f}" width="{width:.1f}" '
                         f'height="{H - BOTTOM - y(v):.1f}" fill="{color}"/>')
    parts += [_text(_x(i, n), H - BOTTOM + 13, str(i + 1), size=10) for i in range(n)]
    parts += _legend([(label, color) for label, _, color in series])
    ratio = text("first_to_last", yours=first_to_last(figure["student"]), expected=first_to_last(figure["reference"]))
    return [_text(LEFT, 14, ratio, "start", 12), f'<g transform="translate(0 {RATIO_BAND})">', *parts, "</g>"]


def error_map(figure, text):
    error = figure["error"]
    rows, cols = len(error), len(error[0])
    cell = min((W - LEFT - RIGHT - 40) / cols, (H - BOTTOM - TOP) / rows)
    parts = []
    for r, row in enumerate(error):
        for c, value in enumerate(row):
            shade = int(255 * (1 - min(max(value, 0.0), 1.0)))
            parts.append(f'<rect x="{LEFT + c * cell:.1f}" y="{TOP + r * cell:.1f}" width="{cell:.1f}" '
                         f'height="{cell:.1f}" fill="rgb(255,{shade},{shade})" stroke="{GRID}" stroke-width="0.5"/>')
    label_every = max(1, math.ceil(max(rows, cols) / 10))
    parts += [_text(LEFT - 5, TOP + (r + 0.65) * cell, str(r), "end", 10) for r in range(0, rows, label_every)]
    parts += [_text(LEFT + (c + 0.5) * cell, TOP + rows * cell + 12, str(c), size=10)
              for c in range(0, cols, label_every)]
    key_x = LEFT + cols * cell + 14
    parts += [f'<rect x="{key_x}" y="{TOP}" width="10" height="10" fill="rgb(255,255,255)" stroke="{GRID}"/>',
              _text(key_x + 14, TOP + 9, "0", "start", 10),
              f'<rect x="{key_x}" y="{TOP + 16}" width="10" height="10" fill="rgb(255,0,0)"/>',
              _text(key_x + 14, TOP + 25, "1", "start", 10),
              _text(LEFT, TOP + rows * cell + 26, f'{text("row")} × {text("column")}: {text("relative_error")}',
                    "start", 10)]
    return parts


def masks(figure, text):
    rows = [(text("yours"), figure["student"]), (text("expected"), figure["reference"])]
    n = len(figure["reference"])
    cell = min(24.0, (W - LEFT - RIGHT - 20) / n)
    parts = []
    for r, (label, mask) in enumerate(rows):
        parts.append(_text(LEFT + 10, TOP + r * (cell + 6) + cell * 0.7, label, "end", 10))
        for i, dead in enumerate(mask):
            parts.append(f'<rect x="{LEFT + 16 + i * cell:.1f}" y="{TOP + r * (cell + 6):.1f}" width="{cell:.1f}" '
                         f'height="{cell:.1f}" fill="{INK if dead else "#ffffff"}" stroke="{GRID}"/>')
    for i, (a, b) in enumerate(zip(*(m for _, m in rows))):
        if a != b:
            parts.append(f'<rect x="{LEFT + 16 + i * cell:.1f}" y="{TOP - 2:.1f}" width="{cell:.1f}" '
                         f'height="{2 * cell + 10:.1f}" fill="none" stroke="{STUDENT}" stroke-width="2.5"/>')
    parts.append(_text(LEFT + 16, TOP + 2 * cell + 26, text("unit_dead"), "start", 10))
    return parts


def scores(figure, text, bins=10):
    top_score = max(float(figure["max_score"]), 1e-12)
    counts = [0] * bins
    for s in figure["scores"]:
        counts[min(int(bins * min(max(s, 0.0), top_score) / top_score), bins - 1)] += 1
    highest = max(counts) or 1
    parts, y = _frame(0, highest, text("score"), text("students"), sorted({0, highest}))
    for i, count in enumerate(counts):
        if count:
            x = LEFT + i * (W - LEFT - RIGHT) / bins + 1
            parts.append(f'<rect x="{x:.1f}" y="{y(count):.1f}" width="{(W - LEFT - RIGHT) / bins - 2:.1f}" '
                         f'height="{H - BOTTOM - y(count):.1f}" fill="#4c72b0"/>')
    parts += [_text(LEFT + i * (W - LEFT - RIGHT) / 2, H - BOTTOM + 13, _num(i * top_score / 2), size=10)
              for i in range(3)]
    return parts


KINDS = {"loss_curves": (loss_curves, H), "gradient_norms": (gradient_norms, H + RATIO_BAND), "error_map": (error_map, H),
         "masks": (masks, 110), "scores": (scores, H)}  # kind: (drawing, height)


def svg(figure, text):
    """The SVG markup of one figure payload.

    text(key, **fields): the page's labels in its language ("yours", "expected", ...).
    """
    if figure["kind"] not in KINDS:
        raise ValueError(f"unknown figure kind {figure['kind']!r}")
    draw, height = KINDS[figure["kind"]]
    body = "\n".join(draw(figure, text))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {height}" width="{W}" height="{height}" '
            f'font-family="system-ui, sans-serif" role="img">\n{body}\n</svg>')
