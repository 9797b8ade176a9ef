"""Workers' answers come back as the QuestionFormAnswers XML the service writes (spec §6.5)."""

from __future__ import annotations

import json
import pathlib
from xml.dom import minidom
from xml.etree import ElementTree

import pytest
import xmltodict
from conftest import HIT_ARGS
from hypothesis import given, settings
from hypothesis import strategies as st
from test_questions import FORM_2005, PAGE, UPLOAD, external, form, html_question, question_body

from pytest_mturk import WorkerActionError, parse_answers
from pytest_mturk.rules.questions import answers

SCHEMAS = pathlib.Path(__file__).resolve().parents[2] / "shared" / "schemas"
NS = (
    "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/"
    "QuestionFormAnswers.xsd"
)
HEAD = f'<?xml version="1.0" encoding="ASCII"?><QuestionFormAnswers xmlns="{NS}">'


def submitted(mturk, client, question: str, values, worker_id: str = "A1B2C3D4E5F6G7") -> str:
    hit = client.create_hit(**{**HIT_ARGS, "Question": question})["HIT"]
    worker = mturk.worker(worker_id)
    assignment_id = worker.accept(hit["HITId"])
    worker.submit(assignment_id, values)
    return client.get_assignment(AssignmentId=assignment_id)["Assignment"]["Answer"]


# -- byte-exact XML ------------------------------------------------------------------


def test_free_text_answer_is_byte_exact():
    # The serialisation observed in real assignment listings (spec §6.5).
    assert answers.to_xml({"plausibility": "4"}) == (
        HEAD + "<Answer><QuestionIdentifier>plausibility</QuestionIdentifier><FreeText>4"
        "</FreeText></Answer></QuestionFormAnswers>"
    )


def test_markup_and_non_ascii_become_references():
    xml = answers.to_xml({"q": 'caf\u00e9 <b> & "x"\r\n\U0001f600'})
    assert '<FreeText>caf&#233; &lt;b&gt; &amp; "x"&#13;\n&#128512;</FreeText>' in xml
    assert xml.isascii()


def test_external_question_fields_with_reserved_fields_dropped(mturk, client):
    xml = submitted(
        mturk,
        client,
        external(),
        {
            "assignmentId": "X",
            "hitId": "Y",
            "workerId": "Z",
            "turkSubmitTo": "W",
            "label": "cat",
            "count": 3,
        },
    )
    assert xml == (
        HEAD + "<Answer><QuestionIdentifier>label</QuestionIdentifier><FreeText>cat</FreeText>"
        "</Answer><Answer><QuestionIdentifier>count</QuestionIdentifier><FreeText>3</FreeText>"
        "</Answer></QuestionFormAnswers>"
    )


def test_html_checkbox_group_gives_one_answer_per_value(mturk, client):
    xml = submitted(mturk, client, html_question(PAGE), {"tags": ["cat", "pet"], "ok": True})
    assert parse_answers(xml) == {"tags": ["cat", "pet"], "ok": "on"}
    assert xml.count("<QuestionIdentifier>tags</QuestionIdentifier>") == 2


def test_crowd_form_page_gives_one_task_answers_json(mturk, client):
    page = (
        "<!DOCTYPE html><script src='https://assets.crowd.aws/crowd-html-elements.js'></script>"
        "<crowd-form><crowd-classifier name='sentiment' categories=\"['good','bad']\">"
        "</crowd-classifier></crowd-form>"
    )
    values = {"sentiment": {"label": "good"}, "comment": "caf\u00e9"}
    xml = submitted(mturk, client, html_question(page), values)
    assert xml == (
        HEAD + "<Answer><QuestionIdentifier>taskAnswers</QuestionIdentifier><FreeText>"
        '[{"sentiment":{"label":"good"},"comment":"caf&#233;"}]</FreeText></Answer>'
        "</QuestionFormAnswers>"
    )
    assert answers.crowd_answers(xml) == values


def test_explicit_task_answers_for_an_external_crowd_page(mturk, client):
    xml = submitted(mturk, client, external(), {"taskAnswers": [{"label": "cat"}]})
    assert parse_answers(xml) == {"taskAnswers": '[{"label":"cat"}]'}


# -- QuestionForm answers ---------------------------------------------------------------

FREE = "<FreeTextAnswer/>"
OTHER = (
    "<SelectionAnswer><MaxSelectionCount>2</MaxSelectionCount><Selections><Selection>"
    "<SelectionIdentifier>cat</SelectionIdentifier><Text>Cat</Text></Selection><Selection>"
    "<SelectionIdentifier>dog</SelectionIdentifier><Text>Dog</Text></Selection>"
    "<OtherSelection/></Selections></SelectionAnswer>"
)
FORM = form(question_body("label") + question_body("kinds", OTHER) + question_body("note", FREE))


def test_question_form_answers_follow_the_form(mturk, client):
    xml = submitted(
        mturk,
        client,
        FORM,
        {"note": "fluffy", "kinds": {"selections": ["dog"], "other": "ferret"}, "label": "cat"},
    )
    assert xml == (
        HEAD + "<Answer><QuestionIdentifier>label</QuestionIdentifier><SelectionIdentifier>cat"
        "</SelectionIdentifier></Answer><Answer><QuestionIdentifier>kinds</QuestionIdentifier>"
        "<SelectionIdentifier>dog</SelectionIdentifier><OtherSelectionText>ferret"
        "</OtherSelectionText></Answer><Answer><QuestionIdentifier>note</QuestionIdentifier>"
        "<FreeText>fluffy</FreeText></Answer></QuestionFormAnswers>"
    )
    assert parse_answers(xml) == {
        "label": ["cat"],
        "kinds": {"selections": ["dog"], "other": "ferret"},
        "note": "fluffy",
    }


def test_several_selections(mturk, client):
    xml = submitted(mturk, client, FORM, {"kinds": ["cat", "dog"]})
    assert parse_answers(xml) == {"kinds": ["cat", "dog"]}


@pytest.mark.parametrize(
    ("values", "complaint"),
    [
        ({"colour": "red"}, "has no question 'colour'"),
        ({"label": "ferret"}, "has no selection 'ferret'"),
        ({"label": {"selections": [], "other": "x"}}, "has no OtherSelection"),
        ({"note": ["a"]}, "takes free text"),
        ({"label": 3}, "is a selection"),
    ],
)
def test_answers_the_form_could_not_produce_are_refused(mturk, client, values, complaint):
    hit = client.create_hit(**{**HIT_ARGS, "Question": FORM})["HIT"]
    worker = mturk.worker("A1B2C3D4E5F6G7")
    assignment_id = worker.accept(hit["HITId"])
    with pytest.raises(WorkerActionError, match=complaint):
        worker.submit(assignment_id, values)
    assert mturk.assignments[assignment_id].status.value == "Accepted"


def test_file_upload_answer(mturk, client):
    question = form(question_body("photo", UPLOAD), namespace=FORM_2005)
    xml = submitted(mturk, client, question, {"photo": {"file_key": "k/1.png", "file_size": 42}})
    assert "<UploadedFileSizeInBytes>42</UploadedFileSizeInBytes>" in xml
    assert parse_answers(xml) == {"photo": {"file_key": "k/1.png", "file_size": 42}}


# -- reading it the way clients read it -----------------------------------------------------


def test_clients_parse_it_their_way(mturk, client):
    xml = submitted(mturk, client, FORM, {"label": "cat", "note": "a & b", "kinds": ["cat", "dog"]})
    # xmltodict (Dallinger, Mephisto, many scripts)
    parsed = xmltodict.parse(xml)["QuestionFormAnswers"]["Answer"]
    assert parsed[0] == {"QuestionIdentifier": "label", "SelectionIdentifier": "cat"}
    assert parsed[1]["SelectionIdentifier"] == ["cat", "dog"]
    assert parsed[2]["FreeText"] == "a & b"
    # minidom (psiTurk-era scripts)
    dom = minidom.parseString(xml)
    texts = [
        node.getElementsByTagName("FreeText")[0].firstChild.data
        for node in dom.getElementsByTagName("Answer")
        if node.getElementsByTagName("FreeText")
    ]
    assert texts == ["a & b"]
    # ElementTree with the namespace
    root = ElementTree.fromstring(xml)
    found = root.findall(f"{{{NS}}}Answer/{{{NS}}}QuestionIdentifier")
    assert [item.text for item in found] == ["label", "kinds", "note"]


@pytest.mark.parametrize(
    ("xml", "expected"),
    [
        (None, {}),
        ("", {}),
        ("  ", {}),
        (
            b'<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n<QuestionFormAnswers><Answer>'
            b"<QuestionIdentifier>q</QuestionIdentifier><FreeText>caf\xc3\xa9</FreeText></Answer>"
            b"</QuestionFormAnswers>",
            {"q": "caf\u00e9"},
        ),
        (
            f"\n  {HEAD}<Answer><QuestionIdentifier>q</QuestionIdentifier></Answer>"
            "</QuestionFormAnswers>",
            {"q": []},
        ),
        (
            f"{HEAD}<Answer><QuestionIdentifier>q</QuestionIdentifier><FreeText/></Answer>"
            "</QuestionFormAnswers>",
            {"q": ""},
        ),
        (f"{HEAD}</QuestionFormAnswers>", {}),
    ],
    ids=["none", "empty", "blank", "legacy-utf8", "no-selection", "empty-text", "no-answers"],
)
def test_parse_is_robust(xml, expected):
    assert parse_answers(xml) == expected


_XML_TEXT = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\ufffe\uffff").filter(
        lambda c: c in "\t\n\r" or ord(c) >= 0x20
    ),
)
_VALUE = st.one_of(
    _XML_TEXT,
    st.lists(_XML_TEXT, max_size=3),
    st.fixed_dictionaries({"selections": st.lists(_XML_TEXT, max_size=2), "other": _XML_TEXT}),
)


@given(st.dictionaries(_XML_TEXT, _VALUE, max_size=5))
def test_round_trip(values):
    assert parse_answers(answers.to_xml(values)) == values


# -- against Amazon's schema ---------------------------------------------------------------


@pytest.mark.skipif(not SCHEMAS.is_dir(), reason="../shared/schemas is not present")
@pytest.mark.parametrize(
    "values",
    [
        {"q": "text"},
        {"q": ["a", "b"]},
        {"q": {"selections": ["a"], "other": "x"}},
        {"q": {"selections": [], "other": "x"}},
        {"q": {"file_key": "k", "file_size": 3}},
        {"taskAnswers": json.dumps([{"a": 1}])},
    ],
)
def test_our_answers_validate_against_amazons_schema(values):
    import xmlschema

    schema = xmlschema.XMLSchema10(str(SCHEMAS / "QuestionFormAnswers_20051001.xsd"))
    schema.validate(answers.to_xml(values))


_ANY_TEXT = st.text(
    st.one_of(
        st.characters(exclude_categories=()),  # surrogates and control characters included
        st.sampled_from(["\x01", "\x0b", "\ud800", "\udfff", "\ufffe", "\uffff", "&", "<", "\r"]),
    ),
    max_size=6,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_ANY_TEXT, _ANY_TEXT, min_size=1, max_size=3))
def test_answer_xml_is_parsed_whenever_it_may_be_ill_formed(values):
    # A worker's dict is written as XML without being parsed again unless it may be
    # ill-formed: whatever it holds, that check must never pass XML a parser refuses.
    xml = answers.to_xml(values)
    if answers.malformation(xml) is not None:
        assert answers.may_be_malformed(xml)
