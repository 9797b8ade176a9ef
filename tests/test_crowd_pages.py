"""What a crowd worker reads of an HTML page: each page's own fields, however many pages
one template made, and a long run's logs as bounded as ``keep_calls`` says."""

from __future__ import annotations

import datetime as dt
import re
import sys

import pytest
from conftest import HIT_ARGS
from hypothesis import given
from hypothesis import strategies as st

from pytest_mturk import mturk_sim, parse_answers
from pytest_mturk.faces.crowd import tasks
from pytest_mturk.rules.questions import checks

START = dt.datetime(2026, 3, 2, 9, tzinfo=dt.timezone.utc)
NAMESPACE = (
    "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2011-11-11/HTMLQuestion.xsd"
)


def html_question(content: str) -> str:
    return (
        f'<HTMLQuestion xmlns="{NAMESPACE}"><HTMLContent><![CDATA[{content}]]></HTMLContent>'
        "<FrameHeight>600</FrameHeight></HTMLQuestion>"
    )


# A batch's page: the item's number in its text, its image and its fields' names and values.
BATCH_PAGE = (
    '<!DOCTYPE html><html><body><form><p>Item {n}: what is it?</p><img src="/items/{n}.jpg">'
    '<input type="hidden" name="item" value="{n}">'
    '<input type="radio" name="label-{n}" value="cat-{n}"><input type="radio" name="label-{n}" '
    'value="dog {n}"><select name="size-{n}"><option value="s{n}">S</option>'
    '<option value="l{n}">L</option></select><textarea name="why-{n}"></textarea>'
    "</form></body></html>"
)


def test_each_page_of_a_batch_is_answered_with_its_own_fields():
    with mturk_sim(seed=1, start=START) as sim:
        client = sim.client()
        made = {}
        for n in range(6):
            question = html_question(BATCH_PAGE.format(n=n))
            hit = client.create_hit(**{**HIT_ARGS, "Question": question, "MaxAssignments": 2})
            made[hit["HIT"]["HITId"]] = n
        crowd = sim.crowd(size=10, arrivals=600, seed=3)
        assert crowd.run_until_done()
        answered = 0
        for assignment in sim.assignments.values():
            n = made[assignment.hit_id]
            answer = parse_answers(assignment.answer)
            assert set(answer) == {f"label-{n}", f"size-{n}", f"why-{n}"}
            assert answer[f"label-{n}"] in (f"cat-{n}", f"dog {n}")
            assert answer[f"size-{n}"] in (f"s{n}", f"l{n}")
            answered += 1
        assert answered == 12


# Values that land in a template's slots: words, spaces, references, the other quote,
# markup characters and non-ASCII text (a space html.parser reads otherwise than HTML5
# keeps a page from being read through its template: see the test after the next).
_VALUES = st.lists(
    st.sampled_from(
        [
            "a",
            "B",
            "7",
            " ",
            "-",
            "=",
            "/",
            "&amp;",
            "&lt;",
            "&#65;",
            "&",
            ";",
            "'",
            ">",
            "<",
            "é",
            "\n",
            "x=y",
            "name",
            '"',
        ]
    ),  # fmt: skip
    max_size=6,
).map("".join)
_TEMPLATES = [
    '<form><p>{0}</p><input type="{1}" name="{2}" value="{3}"><input name="{4}"></form>',
    "<div title='{0}'><select name=\"{1}\"><option value='{2}'>{3}</option>"
    '<option value="{4}"></select></div>',
    '<p>{0}</p><crowd-classifier name="{1}" header="{2}" categories="[\'a\', \'{3}\']">'
    '</crowd-classifier><textarea name="{4}">{0}</textarea>',
    '<script>var x = "{0}";</script><input type=radio name="{1}" value="{2}" checked>'
    '<input type="checkbox" name="{1}" value="{3}"><!-- {4} --><input name="{4}">',
    '<p class="{0} {1}" data-x="{2}/{3}">{4}</p><input name="{0}" type="text">',
]


@given(st.sampled_from(_TEMPLATES), st.lists(_VALUES, min_size=5, max_size=5))
def test_a_page_read_through_its_template_is_read_as_the_page_alone(template, values):
    page = template.format(*values)
    assert tasks.page_fields(page) == tasks._read_whole(page)


def test_pages_of_one_template_differ_in_their_fields():
    first = tasks.page_fields('<p>One</p><input name="q1" type="radio" value="a">')
    second = tasks.page_fields('<p>Two</p><input name="q2" type="radio" value="b &amp; c">')
    assert first == (tasks.Field("q1", "radio", ("a",)),)
    assert second == (tasks.Field("q2", "radio", ("b & c",)),)


def test_a_value_within_another_is_read_as_html_parser_reads_it():
    # HTML5's skeleton takes b="c" for a value of its own; html.parser reads it as part
    # of the name: such a template is not used, and each page is read whole.
    for value in ("c", "d"):
        page = f"<input name='a b=\"{value}\"'>"
        assert tasks.page_fields(page) == (tasks.Field(f'a b="{value}"', "text"),)


def test_the_spaces_html_parser_reads_and_html5_does_not_are_known():
    # What re's \s matches (so html.parser's patterns) beyond the five HTML spaces: such a
    # page is read whole, never through a template.
    every = "".join(map(chr, range(sys.maxunicode + 1)))
    spaces = set(re.findall(r"\s", every)) - set("\t\n\f\r ")
    assert set(tasks._UNUSUAL.findall(every)) == spaces | {"\x00"}


CROWD_INPUT = (tasks.Field("a", "crowd-input"),)
TEXT_INPUT = (tasks.Field("a", "text"),)


@pytest.mark.parametrize(
    ("question", "crowd_form", "fields"),
    [
        (html_question("<crowd-form><crowd-input name='a'></crowd-input></crowd-form>"), True,
         CROWD_INPUT),
        (f'<HTMLQuestion xmlns="{NAMESPACE}">\n  <HTMLContent>&lt;crowd-form&gt;&lt;crowd-input '
         'name="a"&gt;&lt;/crowd-input&gt;&lt;/crowd-form&gt;</HTMLContent>\n  <FrameHeight>0'
         "</FrameHeight>\n</HTMLQuestion>\n", True, CROWD_INPUT),
        ('<?xml version="1.0"?>'
         + html_question("<crowd-form><crowd-input name='a'></crowd-input></crowd-form>"), True,
         CROWD_INPUT),
        (html_question("<form><input name='a'></form>"), False, TEXT_INPUT),
        ("<!-- a comment --> " + html_question("<form><input name='a'></form>"), False,
         TEXT_INPUT),
        (html_question("<form><input name='a'></form>").replace("600", "x"), False, TEXT_INPUT),
    ],
)  # fmt: skip
def test_a_question_is_described_alike_however_it_is_written(question, crowd_form, fields):
    # The usual way of writing one is read without an XML parser, any other with one.
    info = checks.describe.__wrapped__(question)
    read = tasks.parse.__wrapped__(question)
    assert (info.kind, info.crowd_form) == ("HTMLQuestion", crowd_form)
    assert (read.kind, read.crowd_form, read.fields) == ("HTMLQuestion", crowd_form, fields)


def test_keep_calls_bounds_the_logs_of_workers_acting_without_requester_calls():
    with mturk_sim(seed=2, keep_calls=10) as sim:
        client = sim.client()
        hits = [client.create_hit(**{**HIT_ARGS, "MaxAssignments": 3}) for _ in range(10)]
        sizes = []
        for hit in hits:
            for n in range(3):
                worker = sim.worker(f"A{n:013d}")
                worker.submit(worker.accept(hit["HIT"]["HITId"]), {"label": "cat"})
                sizes.append(len(sim.events))
        assert max(sizes) < 20
        assert sim.events[-1].event_type == "HITReviewable"
