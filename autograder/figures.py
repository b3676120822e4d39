"""Pictures for the feedback page and the class report, drawn as inline SVG.

A check that fails hands over a figure payload (``checks.CheckFailure.figure``): a dict
with a "kind" and plain lists. ``svg(figure, text)`` draws it with the helpers of
``source_lib.plotting`` and returns the SVG markup, self-contained (no fonts, images or
scripts from elsewhere) and the same bytes for the same payload (no date, fixed ids).
matplotlib is imported here, on the first picture drawn, never by grading itself.

Kinds (lists are JSON-ready; "student" is the submission's, "reference" the expected):
- "error_map": {"error": (R, C) relative errors in [0, 1], "diagnosis": code}
- "loss_curves": {"student": [...], "reference": [...], "x": "step" or "epoch"}
- "gradient_norms": {"student": [...], "reference": [...]} one norm per Linear layer
- "masks": {"student": [bool...], "reference": [bool...]} dead units of one ReLU layer
- "scores": {"scores": [...], "max_score": float} (the class report's distribution)
"""

import io
import re
import warnings

SIZE = {"error_map": (3.6, 2.8), "loss_curves": (4.6, 2.6), "gradient_norms": (4.6, 2.6),
        "masks": (5.6, 1.3), "scores": (3.2, 2.0)}


def _draw(figure, ax, text):
    from source_lib import plotting

    kind = figure["kind"]
    yours, expected = text("yours"), text("expected")
    if kind == "error_map":
        plotting.plot_error_map(figure["error"], ax=ax)
        ax.set_xlabel(text("column"))
        ax.set_ylabel(text("row"))
        ax.set_title(text("relative_error"), fontsize=9)
    elif kind == "loss_curves":
        plotting.plot_loss_curves({expected: figure["reference"], yours: figure["student"]}, ax=ax)
        ax.lines[0].set(color="#999999", linewidth=4, alpha=0.6)
        ax.lines[1].set(color="#c0392b", linewidth=1.5, marker="o", markersize=3)
        ax.legend()
        ax.set_xlabel(text(figure.get("x", "step")))
        ax.set_ylabel(text("loss"))
    elif kind == "gradient_norms":
        plotting.plot_gradient_norms({yours: figure["student"], expected: figure["reference"]}, ax=ax)
        ax.set_ylabel(text("gradient_norm"))
        ax.set_xticklabels([text("layer", n=i + 1) for i in range(len(figure["reference"]))])
    elif kind == "masks":
        plotting.plot_masks({yours: figure["student"], expected: figure["reference"]}, ax=ax)
        ax.set_xlabel(text("unit_dead"))
    elif kind == "scores":
        plotting.plot_score_distribution(figure["scores"], figure["max_score"], ax=ax)
        ax.set_xlabel(text("score"))
        ax.set_ylabel(text("students"))
    else:
        raise ValueError(f"unknown figure kind {kind!r}")


def svg(figure, text):
    """The SVG markup of one figure payload.

    text(key, **fields): the page's labels in its language ("yours", "expected", ...).
    """
    from source_lib.plotting import _pyplot

    plt = _pyplot()
    import matplotlib

    # Text stays text (svg.fonttype "none"): the reader's browser draws it in its own fonts, Korean
    # included, so a glyph missing from matplotlib's fonts only makes its layout estimate rougher.
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "backprop-lab", "font.size": 8}), \
            warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        fig, ax = plt.subplots(figsize=SIZE[figure["kind"]])
        try:
            _draw(figure, ax, text)
            fig.tight_layout(pad=0.4)
            out = io.StringIO()
            fig.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
        finally:
            plt.close(fig)
    markup = out.getvalue()
    markup = markup[markup.index("<svg"):]
    return re.sub(r"\s*<metadata>.*?</metadata>", "", markup, count=1, flags=re.S)
