"""Status badges, labels and coloured buttons are readable: text at least 4.5:1 against its background (WCAG AA).

Computed from app/static/app.css itself, so a badge that no page of the browser test happens to
show is checked too. Bootstrap's labels have white text.
"""

import re
from pathlib import Path

import pytest

CSS = (Path(__file__).resolve().parents[1] / "app/static/app.css").read_text()
RULE = re.compile(r"([^{}]+)\{([^}]*)\}")


def luminance(hex_colour):
    """WCAG relative luminance of #rgb or #rrggbb."""
    digits = hex_colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    channels = [int(digits[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one, other):
    light, dark = sorted((luminance(one), luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def declarations():
    """{selector: {property: value}} for every simple rule of app.css (later rules win)."""
    found = {}
    for selectors, body in RULE.findall(re.sub(r"/\*.*?\*/", "", CSS, flags=re.S)):
        props = dict((k.strip(), v.strip()) for k, v in
                     (d.split(":", 1) for d in body.split(";") if ":" in d))
        for selector in selectors.split(","):
            found.setdefault(selector.strip(), {}).update(props)
    return found


def badge_colours():
    """(selector, text colour, background) of every status badge and Bootstrap label."""
    rules = declarations()
    base = rules[".status"]
    pairs = []
    for selector, props in rules.items():
        if re.fullmatch(r"\.status-[a-z_]+", selector):
            pairs.append((selector, props.get("color", base["color"]),
                          props.get("background", base["background"])))
        elif re.fullmatch(r"\.(label|btn)-[a-z]+", selector) and "background-color" in props:
            pairs.append((selector, "#fff", props["background-color"]))
    return pairs


def test_the_contrast_formula_matches_known_values():
    assert contrast("#000", "#fff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)  # Bootstrap's muted


def test_every_status_badge_and_label_is_found():
    selectors = {selector for selector, _, _ in badge_colours()}
    for status in ("received", "verified", "forwarded", "resolved", "rejected", "referred",
                   "informed", "needs_completion", "in_review", "reopen_requested"):
        assert f".status-{status}" in selectors, status
    assert {".label-info", ".label-warning", ".label-success", ".label-default"} <= selectors
    assert {".btn-success", ".btn-info", ".btn-warning", ".btn-danger"} <= selectors


@pytest.mark.parametrize("selector,text,background", badge_colours())
def test_badge_text_has_at_least_4_5_to_1_contrast(selector, text, background):
    assert contrast(text, background) >= 4.5, (selector, text, background)
