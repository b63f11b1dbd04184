"""The form and App Home builders, by structure: ids, options, metadata, and reading back."""

import json
from datetime import date

from bot.messages.forms import (
    FormChoices,
    FormMetadata,
    build_report_form,
    read_form_values,
)
from bot.messages.home import build_home_view
from bot.numbers.production import LineStatus

CHOICES = FormChoices(
    lines=[("press2", "press2 · Press 2"), ("l1", "L1 · Line 1")],
    initial_line="press2",
    shifts=["A", "B"],
    reasons=["breakdown", "material"],
)


def block_ids(form: dict) -> list[str]:
    return [block.get("block_id", "") for block in form["blocks"]]


def element(form: dict, block_id: str) -> dict:
    return next(b for b in form["blocks"] if b.get("block_id") == block_id)["element"]


def test_the_output_form_keeps_its_state_in_private_metadata_and_offers_the_lines_in_order() -> (
    None
):
    form = build_report_form(FormMetadata(kind="output", channel_id="C1"), CHOICES).to_dict()

    assert (form["type"], form["callback_id"]) == ("modal", "output_form")
    assert FormMetadata.model_validate_json(form["private_metadata"]) == FormMetadata(
        kind="output", channel_id="C1"
    )
    assert block_ids(form) == ["line", "good", "scrap", "shift", "date", "note"]
    line = element(form, "line")
    assert [o["value"] for o in line["options"]] == ["press2", "l1"]
    assert line["initial_option"]["value"] == "press2"
    assert element(form, "good")["action_id"] == "good"
    assert element(form, "note")["max_length"] == 2000


def test_no_line_is_preselected_when_none_is_given() -> None:
    choices = FormChoices(lines=CHOICES.lines, initial_line=None, shifts=[], reasons=[])
    form = build_report_form(FormMetadata(kind="issue"), choices).to_dict()

    assert "initial_option" not in element(form, "line")
    assert block_ids(form) == ["line", "severity", "category", "text"]
    assert [o["value"] for o in element(form, "severity")["options"]] == [
        "low",
        "medium",
        "high",
        "critical",
    ]


def test_the_delay_form_offers_the_sites_reasons() -> None:
    form = build_report_form(FormMetadata(kind="delay"), CHOICES).to_dict()

    assert form["callback_id"] == "delay_form"
    assert block_ids(form) == ["line", "duration", "reason", "note"]
    assert [o["value"] for o in element(form, "reason")["options"]] == ["breakdown", "material"]


def test_an_implausible_quantity_adds_the_question_and_a_save_anyway_box() -> None:
    form = build_report_form(
        FormMetadata(kind="output"), CHOICES, implausible="5,000 is a lot."
    ).to_dict()

    assert "5,000 is a lot." in form["blocks"][0]["text"]["text"]
    assert block_ids(form)[1:3] == ["confirm", "line"]
    assert element(form, "confirm")["options"][0]["value"] == "yes"


def test_read_form_values_takes_each_filled_input_by_block() -> None:
    state = {
        "line": {"line": {"type": "static_select", "selected_option": {"value": "l1"}}},
        "good": {"good": {"type": "plain_text_input", "value": "120"}},
        "scrap": {"scrap": {"type": "plain_text_input", "value": None}},
        "shift": {"shift": {"type": "static_select", "selected_option": None}},
        "date": {"date": {"type": "datepicker", "selected_date": "2026-11-17"}},
        "confirm": {"confirm": {"type": "checkboxes", "selected_options": [{"value": "yes"}]}},
    }

    assert read_form_values(state) == {
        "line": "l1",
        "good": "120",
        "date": "2026-11-17",
        "confirm": "yes",
    }


def test_the_home_view_shows_each_line_and_the_form_buttons() -> None:
    status = LineStatus(
        line_code="L1",
        line_name="Line 1",
        unit="bottles",
        shift=None,
        day=date(2026, 11, 18),
        day_target=1600,
        day_actual=400,
    )

    view = build_home_view([status], own=True, updated="10:00").to_dict()

    assert view["type"] == "home"
    assert view["blocks"][0]["text"]["text"] == "Your lines today"
    assert [e["value"] for e in view["blocks"][1]["elements"]] == ["output", "delay", "issue"]
    assert "*L1* · Line 1" in view["blocks"][3]["text"]["text"]
    assert "400 / 1,600 bottles" in view["blocks"][3]["text"]["text"]
    assert "Updated 10:00" in json.dumps(view["blocks"][-1])


def test_the_home_view_says_so_when_there_are_no_lines() -> None:
    view = build_home_view([], own=False, updated="10:00").to_dict()

    assert view["blocks"][0]["text"]["text"] == "Lines today"
    assert "No lines are set up yet." in json.dumps(view["blocks"])


def test_the_home_view_escapes_a_line_name_in_mrkdwn_but_not_in_the_form_options() -> None:
    status = LineStatus(
        line_code="L1",
        line_name="Fill & Cap <2>",
        unit="bottles",
        shift=None,
        day=date(2026, 11, 18),
        day_target=None,
        day_actual=0,
    )
    choices = FormChoices(
        lines=[("l1", "L1 · Fill & Cap <2>")], initial_line=None, shifts=[], reasons=[]
    )

    home = build_home_view([status], own=True, updated="10:00").to_dict()
    form = build_report_form(FormMetadata(kind="output"), choices).to_dict()

    assert home["blocks"][3]["text"]["text"].startswith("*L1* · Fill &amp; Cap &lt;2&gt;\n")
    # Option text is plain_text: Slack shows it as typed.
    assert element(form, "line")["options"][0]["text"]["text"] == "L1 · Fill & Cap <2>"
