"""The digest's chart: attainment and OEE per line, legible on a phone, labelled as the text is."""

import io
from datetime import date

import pytest
from matplotlib.colors import to_rgb
from matplotlib.patches import Rectangle
from matplotlib.text import Text
from PIL import Image

from bot.messages.chart import (
    ATTAINMENT_COLOUR,
    DPI,
    MAX_LINES_SHOWN,
    MIN_FONT_PT,
    OEE_COLOUR,
    PHONE_WIDTH,
    WIDTH_INCHES,
    ChartLine,
    _draw,
    chart_labels,
    render_daily_chart,
    shown_lines,
)
from bot.messages.format import percent, rate

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MONDAY = date(2026, 11, 30)
THREE = [
    ChartLine("PACK-1", 0.962, 0.713),
    ChartLine("FILL-2", 1.084, None),  # above target, OEE unknown
    ChartLine("LBL-3", None, 0.551),  # no target
]
FORTY = [ChartLine(f"line-{n:03d}", 0.5 + n / 50, 0.5 + n / 100) for n in range(40)]


def _image(png: bytes) -> Image.Image:
    assert png.startswith(PNG_SIGNATURE)
    return Image.open(io.BytesIO(png))


def _bars(lines: list[ChartLine], colour: str) -> list[Rectangle]:
    axes = _draw(lines, site_name="Riverside", day=MONDAY).axes[0]
    return [
        p
        for p in axes.patches
        if isinstance(p, Rectangle) and p.get_facecolor()[:3] == to_rgb(colour)
    ]


def _texts(lines: list[ChartLine], site_name: str = "Riverside") -> list[Text]:
    figure = _draw(lines, site_name=site_name, day=MONDAY)
    return [t for t in figure.findobj(Text) if t.get_visible() and t.get_text()]


def test_three_lines_render_a_phone_width_png() -> None:
    image = _image(render_daily_chart(THREE, site_name="Riverside", day=MONDAY))

    assert image.format == "PNG"
    assert image.width == WIDTH_INCHES * DPI == 960
    assert 300 < image.height < 600  # 0.45 in a line + 1.6 in, at 150 dpi


def test_the_labels_are_the_digest_texts_percentages() -> None:
    assert chart_labels(THREE) == [
        (percent(0.962), rate(0.713)),
        (percent(1.084), rate(None)),
        (percent(None), rate(0.551)),
    ]
    assert chart_labels(THREE) == [("96%", "71.3%"), ("108%", "—"), ("—", "55.1%")]


def test_the_chart_draws_exactly_those_labels() -> None:
    axes = _draw(THREE, site_name="Riverside", day=MONDAY).axes[0]
    drawn = sorted(text.get_text() for text in axes.texts if text.get_text() != "target 100%")

    assert drawn == sorted(label for pair in chart_labels(THREE) for label in pair)


def test_the_target_is_a_dashed_line_at_100_with_its_label() -> None:
    axes = _draw(THREE, site_name="Riverside", day=MONDAY).axes[0]
    (target,) = [line for line in axes.lines if line.get_linestyle() == "--"]

    assert list(target.get_xdata()) == [100, 100]
    assert "target 100%" in [text.get_text() for text in axes.texts]
    assert axes.get_xlabel() == "% of target / OEE"
    assert axes.get_title() == "Riverside · Mon 30 Nov 2026"


def test_attainment_above_target_runs_past_the_line_and_keeps_its_label_in_view() -> None:
    attainment = _bars(THREE, ATTAINMENT_COLOUR)
    axes = _draw(THREE, site_name="Riverside", day=MONDAY).axes[0]

    assert [round(bar.get_width(), 1) for bar in attainment] == [96.2, 108.4, 0.0]
    assert axes.get_xlim()[1] > 108.4 * 1.2  # room for "108%" after the bar


def test_an_unknown_value_has_no_bar_and_a_dash() -> None:
    oee = _bars(THREE, OEE_COLOUR)

    assert [round(bar.get_width(), 1) for bar in oee] == [71.3, 0.0, 55.1]
    assert [text.get_text() for text in _texts(THREE)].count("—") == 2


def test_a_wild_share_does_not_squash_the_others() -> None:
    lines = [ChartLine("A", 0.9, 0.6), ChartLine("B", 40.0, None)]
    attainment = _bars(lines, ATTAINMENT_COLOUR)

    assert attainment[1].get_width() == 250  # to the cap; its label says the value
    assert "4000%" in [text.get_text() for text in _texts(lines)]


def test_every_text_is_8_points_or_more_on_a_375_point_wide_phone() -> None:
    texts = _texts(THREE) + _texts(FORTY)

    assert len(texts) > 50
    for text in texts:
        shown = text.get_fontsize() * PHONE_WIDTH / (WIDTH_INCHES * 72)
        assert text.get_fontsize() >= MIN_FONT_PT and shown >= 8, text.get_text()


def test_the_two_bars_differ_in_greyscale() -> None:
    def grey(colour: str) -> float:
        red, green, blue = to_rgb(colour)
        return 0.299 * red + 0.587 * green + 0.114 * blue

    assert abs(grey(ATTAINMENT_COLOUR) - grey(OEE_COLOUR)) > 0.25


def test_forty_lines_show_the_twenty_lowest_and_say_so() -> None:
    image = _image(render_daily_chart(FORTY, site_name="Riverside", day=MONDAY))
    shown, note = shown_lines(FORTY)

    assert image.width == 960 and image.height <= image.width * 2  # fits a phone by width
    assert [line.code for line in shown] == [f"line-{n:03d}" for n in range(MAX_LINES_SHOWN)]
    assert note == (
        "20 of 40 lines shown, those of lowest attainment; the other 20 at 90% of target or better"
    )
    assert note in [text.get_text() for text in _texts(FORTY)]


@pytest.mark.parametrize(
    ("hidden", "ending"),
    [
        ([ChartLine("Z", None, 0.5)], "the other one has no target"),
        ([ChartLine(f"Z{n}", 1.2, None) for n in range(3)], "the other 3 on target"),
    ],
)
def test_the_note_on_hidden_lines(hidden: list[ChartLine], ending: str) -> None:
    lines = [ChartLine(f"L{n}", 0.5, 0.4) for n in range(MAX_LINES_SHOWN)] + hidden

    shown, note = shown_lines(lines)

    assert len(shown) == MAX_LINES_SHOWN and note is not None and note.endswith(ending)


def test_twenty_lines_are_all_shown_in_the_callers_order() -> None:
    lines = list(reversed(FORTY[:MAX_LINES_SHOWN]))

    assert shown_lines(lines) == (lines, None)


def test_plant_names_are_literal_text_not_mathtext() -> None:
    lines = [ChartLine("CAN-$4$", 0.5, 0.25)]
    texts = [text.get_text() for text in _texts(lines, site_name="Cost $ave $plant")]

    assert "Cost $ave $plant · Mon 30 Nov 2026" in texts and "CAN-$4$" in texts
    render_daily_chart(lines, site_name="Cost $ave $plant", day=MONDAY)  # no mathtext error


def test_no_lines_still_render() -> None:
    assert _image(render_daily_chart([], site_name="Riverside", day=MONDAY)).width == 960
