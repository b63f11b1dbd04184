"""The digest's chart: attainment and OEE per line, legible on a phone, labelled as the text is.

Each test reads the picture two ways: the record ``_draw`` keeps of every text and bar it drew
(``_Canvas.texts``, ``_Canvas.bars``), and the pixels of the PNG ``render_daily_chart`` returns.
"""

import io
from datetime import date
from itertools import combinations, pairwise

import pytest
from PIL import Image, ImageColor, ImageDraw

from bot.messages.chart import (
    ATTAINMENT_COLOUR,
    CODE_WIDTH,
    DPI,
    LABEL_PT,
    LABEL_ROOM,
    MAX_LINES_SHOWN,
    MIN_FONT_PT,
    OEE_COLOUR,
    PHONE_WIDTH,
    TARGET_COLOUR,
    WIDTH_INCHES,
    ChartLine,
    _Canvas,
    _draw,
    chart_labels,
    render_daily_chart,
    shown_lines,
)
from bot.messages.format import cut_plain, percent, rate

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MONDAY = date(2026, 11, 30)
THREE = [
    ChartLine("PACK-1", 0.962, 0.713),
    ChartLine("FILL-2", 1.084, None),  # above target, OEE unknown
    ChartLine("LBL-3", None, 0.551),  # no target
]
FORTY = [ChartLine(f"line-{n:03d}", 0.5 + n / 50, 0.5 + n / 100) for n in range(40)]
WILD = [
    ChartLine("A very long line code indeed", 0.9, 0.6),
    ChartLine("WWWWWWWWWWWWWWWWWWWW", 40.0, None),  # beyond the cap
    ChartLine("Zürich-Łódź", 2.6, 1.0),
    ChartLine("CAN-$4$", None, None),
]
LONG_SITE = "Wöllersdorf Großbäckerei " + "W" * 40
CASES = {
    "one": [THREE[0]],
    "three": THREE,
    "twenty-five": [ChartLine(f"line-{n:03d}", 0.4 + n / 30, 0.3 + n / 60) for n in range(25)],
    "forty": FORTY,
    "wild": WILD,
    "none": [],
}


def _image(png: bytes) -> Image.Image:
    assert png.startswith(PNG_SIGNATURE)
    return Image.open(io.BytesIO(png))


def _chart(lines: list[ChartLine], site_name: str = "Riverside") -> tuple[_Canvas, Image.Image]:
    """What the chart drew, by its record, and the picture the PNG holds."""
    canvas = _draw(lines, site_name=site_name, day=MONDAY)
    image = _image(render_daily_chart(lines, site_name=site_name, day=MONDAY)).convert("RGB")
    return canvas, image


def _texts(canvas: _Canvas, kind: str | None = None) -> list[str]:
    return [text.text for text in canvas.texts if kind is None or text.kind == kind]


def _widths(canvas: _Canvas, colour: str) -> list[float]:
    """Each bar of that colour, top to bottom, as the share its length stands for."""
    bars = [bar for bar in canvas.bars if bar.colour == colour]
    return [round((bar.box[2] - bar.box[0]) / canvas.scale, 2) for bar in bars]


def test_three_lines_render_a_phone_width_png() -> None:
    image = _image(render_daily_chart(THREE, site_name="Riverside", day=MONDAY))

    assert image.format == "PNG"
    assert image.width == WIDTH_INCHES * DPI == 960
    assert 300 < image.height < 600  # 0.45 in a line and the frame, at 150 dpi


def test_the_labels_are_the_digest_texts_percentages() -> None:
    assert chart_labels(THREE) == [
        (percent(0.962), rate(0.713)),
        (percent(1.084), rate(None)),
        (percent(None), rate(0.551)),
    ]
    assert chart_labels(THREE) == [("96%", "71.3%"), ("108%", "—"), ("—", "55.1%")]


def test_the_chart_draws_exactly_those_labels_each_at_its_bars_end() -> None:
    canvas, _ = _chart(THREE)
    values = [text for text in canvas.texts if text.kind == "value"]

    assert [text.text for text in values] == [
        label for pair in chart_labels(THREE) for label in pair
    ]
    for text, bar in zip(values, canvas.bars, strict=True):  # attainment, OEE, line by line
        assert 0 < text.box[0] - bar.box[2] <= 8  # just after the bar's end
        assert bar.box[1] <= (text.box[1] + text.box[3]) / 2 <= bar.box[3]  # level with it


def test_the_target_is_a_dashed_line_at_100_with_its_label() -> None:
    canvas, image = _chart(THREE)
    (target,) = [text for text in canvas.texts if text.kind == "target"]
    x = round(canvas.x(1.0))
    bottom = max(bar.box[3] for bar in canvas.bars)
    column = [image.getpixel((x, y)) for y in range(target.box[3] + 4, bottom)]
    dark = [pixel == ImageColor.getrgb(TARGET_COLOUR) for pixel in column]

    assert target.text == "target 100%"
    assert abs((target.box[0] + target.box[2]) / 2 - x) <= 2  # centred over the line
    assert 0.4 < sum(dark) / len(dark) < 0.9  # dashed: drawn, with gaps
    assert sum(a != b for a, b in pairwise(dark)) >= 6
    assert _texts(canvas, "axis") == ["% of target / OEE"]
    assert _texts(canvas, "title") == ["Riverside · Mon 30 Nov 2026"]


def test_the_axis_has_round_ticks_from_0_past_the_longest_bar() -> None:
    canvas, _ = _chart(THREE)
    ticks = [text for text in canvas.texts if text.kind == "tick"]
    values = [int(text.text) for text in ticks]

    assert values[0] == 0 and 100 in values and values[-1] >= 100
    assert len({b - a for a, b in pairwise(values)}) == 1  # evenly
    assert values[1] in (10, 20, 25, 50)
    for text, value in zip(ticks, values, strict=True):  # each under its place on the axis
        assert abs((text.box[0] + text.box[2]) / 2 - canvas.x(value / 100)) <= 2


def test_attainment_above_target_runs_past_the_line_and_keeps_its_label_in_view() -> None:
    canvas, image = _chart(THREE)

    assert _widths(canvas, ATTAINMENT_COLOUR) == [0.96, 1.08, 0.0]
    assert canvas.x(1.084 * LABEL_ROOM) < image.width  # room for "108%" after the bar
    (label,) = [text for text in canvas.texts if text.text == "108%"]
    assert label.box[0] > canvas.x(1.084) and label.box[2] < image.width


def test_each_bar_is_drawn_in_its_colour_to_its_length() -> None:
    target = ImageColor.getrgb(TARGET_COLOUR)  # the dashed line crosses the bars
    for lines in (THREE, WILD, CASES["twenty-five"]):
        canvas, image = _chart(lines)
        for bar in canvas.bars:
            left, top, right, bottom = bar.box
            colour = ImageColor.getrgb(bar.colour)
            for y in (top, (top + bottom) // 2, bottom - 1):
                row = [image.getpixel((x, y)) for x in range(image.width)]
                drawn = [x for x, pixel in enumerate(row) if pixel == colour]
                if right > left:
                    assert {*row[left + 2 : right]} <= {colour, target}, bar  # past the axis
                    assert right - 4 <= drawn[-1] < right, bar  # and no further
                else:
                    assert not drawn, bar  # no bar for an unknown value


def test_an_unknown_value_has_no_bar_and_a_dash() -> None:
    canvas, _ = _chart(THREE)

    assert _widths(canvas, OEE_COLOUR) == [0.71, 0.0, 0.55]
    assert _texts(canvas).count("—") == 2


def test_a_wild_share_does_not_squash_the_others() -> None:
    lines = [ChartLine("A", 0.9, 0.6), ChartLine("B", 40.0, None)]
    canvas, _ = _chart(lines)

    assert _widths(canvas, ATTAINMENT_COLOUR) == [0.9, 2.5]  # to the cap; its label says the value
    assert "4000%" in _texts(canvas, "value")


def test_the_first_line_is_on_top() -> None:
    canvas, _ = _chart(THREE)
    codes = [text for text in canvas.texts if text.kind == "code"]
    attainment = [bar for bar in canvas.bars if bar.colour == ATTAINMENT_COLOUR]
    oee = [bar for bar in canvas.bars if bar.colour == OEE_COLOUR]

    assert [text.text for text in codes] == ["PACK-1", "FILL-2", "LBL-3"]
    assert [text.box[1] for text in codes] == sorted(text.box[1] for text in codes)
    for code, above, below in zip(codes, attainment, oee, strict=True):
        assert above.box[3] == below.box[1]  # attainment above OEE, meeting at the code's middle
        assert abs((code.box[1] + code.box[3]) / 2 - above.box[3]) <= 3


def test_long_codes_and_site_names_are_cut() -> None:
    canvas, _ = _chart(WILD, site_name=LONG_SITE)
    codes = _texts(canvas, "code")
    (title,) = _texts(canvas, "title")

    assert codes[2:] == ["Zürich-Łódź", "CAN-$4$"]
    for code, line in zip(codes[:2], WILD, strict=False):
        assert code.endswith("…") and len(code) <= CODE_WIDTH
        assert line.code.startswith(code[:-1])
    assert title.startswith("Wöllersdorf Großbäckerei W") and title.endswith("… · Mon 30 Nov 2026")


@pytest.mark.parametrize("case", CASES)
def test_every_text_is_in_the_picture_and_clear_of_the_others(case: str) -> None:
    canvas, image = _chart(CASES[case], site_name=LONG_SITE if case == "wild" else "Riverside")

    for text in canvas.texts:
        left, top, right, bottom = text.box
        assert 0 <= left < right <= image.width and 0 <= top < bottom <= image.height, text
    for one, other in combinations(canvas.texts, 2):
        apart = (
            one.box[2] <= other.box[0]
            or other.box[2] <= one.box[0]
            or one.box[3] <= other.box[1]
            or other.box[3] <= one.box[1]
        )
        assert apart, (one, other)


def test_every_text_is_8_points_or_more_on_a_375_point_wide_phone() -> None:
    texts = [text for lines in CASES.values() for text in _chart(lines)[0].texts]

    assert len(texts) > 150
    for text in texts:
        points = text.size_px * 72 / DPI
        shown = text.size_px * PHONE_WIDTH / (WIDTH_INCHES * DPI)
        assert points >= MIN_FONT_PT and shown >= 8, text


def test_the_font_has_the_dash_and_the_letters_the_chart_writes() -> None:
    font = _chart(THREE)[0].fonts[LABEL_PT]

    def drawn(character: str) -> bytes:
        image = Image.new("L", (60, 60))
        ImageDraw.Draw(image).text((10, 10), character, font=font, fill=255)
        return image.tobytes()

    missing = drawn("\ue000")  # a private-use character: the font's box for a missing glyph
    for character in "—·…%$łüß":
        assert drawn(character) != missing, character


def test_the_two_bars_differ_in_greyscale() -> None:
    def grey(colour: str) -> float:
        red, green, blue = ImageColor.getrgb(colour)[:3]
        return (0.299 * red + 0.587 * green + 0.114 * blue) / 255

    assert abs(grey(ATTAINMENT_COLOUR) - grey(OEE_COLOUR)) > 0.25


def test_the_height_grows_with_the_lines_up_to_twenty() -> None:
    lines = CASES["twenty-five"]
    heights = {
        n: _image(render_daily_chart(lines[:n], site_name="R", day=MONDAY)).height
        for n in (1, 2, 3, 10, 20)
    }

    assert list(heights.values()) == sorted(set(heights.values()))
    assert abs(heights[20] - heights[10] - 10 * 0.45 * DPI) <= 1  # 0.45 in a line


def test_forty_lines_show_the_twenty_lowest_and_say_so() -> None:
    canvas, image = _chart(FORTY)
    shown, note = shown_lines(FORTY)

    assert image.width == 960 and image.height <= image.width * 2  # fits a phone by width
    assert [line.code for line in shown] == [f"line-{n:03d}" for n in range(MAX_LINES_SHOWN)]
    assert note == (
        "20 of 40 lines shown, those of lowest attainment; the other 20 at 90% of target or better"
    )
    assert " ".join(_texts(canvas, "note")) == note
    assert _texts(canvas, "code") == [line.code for line in shown]
    assert len(canvas.bars) == 2 * MAX_LINES_SHOWN
    assert _texts(canvas, "legend") == ["attainment", "OEE"]


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
    assert _texts(_chart(lines)[0], "note") == []


def test_plant_names_are_written_as_they_are() -> None:
    lines = [ChartLine("CAN-$4$", 0.5, 0.25)]
    canvas, _ = _chart(lines, site_name="Cost $ave $plant")

    assert _texts(canvas, "title") == ["Cost $ave $plant · Mon 30 Nov 2026"]
    assert _texts(canvas, "code") == ["CAN-$4$"]


def test_no_lines_still_render() -> None:
    canvas, image = _chart([])

    assert image.width == 960 and canvas.bars == [] and _texts(canvas, "value") == []


def test_codes_are_cut_to_their_width() -> None:
    code = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    canvas, _ = _chart([ChartLine(code, 0.5, 0.5)])

    assert _texts(canvas, "code") == [cut_plain(code, CODE_WIDTH)]
