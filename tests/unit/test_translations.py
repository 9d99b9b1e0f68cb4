"""Every user-facing string is translated into Simplified Chinese, with the same placeholders."""

import re
from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "app/translations/zh_Hans/LC_MESSAGES/messages.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def catalog(path):
    with open(path, "rb") as handle:
        return read_po(handle)


def strings(message):
    return message.string if isinstance(message.string, tuple) else (message.string,)


def ids(message):
    return message.id if isinstance(message.id, tuple) else (message.id,)


def test_every_message_in_the_catalogue_is_translated():
    missing = [m.id for m in catalog(PO) if m.id and (m.fuzzy or not all(strings(m)))]
    assert missing == []


def test_every_string_in_the_code_is_in_the_catalogue(tmp_path):
    pot = tmp_path / "messages.pot"
    CommandLineInterface().run([
        "pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg"), "-k", "_l", "-k",
        "lazy_gettext", "-o", str(pot), "--no-location", str(ROOT)])
    translated = {m.id for m in catalog(PO) if m.id}
    extracted = {m.id for m in catalog(pot) if m.id}
    assert sorted(map(str, extracted - translated)) == []


def test_placeholders_are_kept():
    wrong = []
    for message in catalog(PO):
        if not message.id:
            continue
        expected = set(PLACEHOLDER.findall(" ".join(ids(message))))
        for text in strings(message):
            if set(PLACEHOLDER.findall(text)) != expected:
                wrong.append(message.id)
    assert wrong == []


def test_the_catalogue_compiles_without_errors():
    """pybabel's own checks (`make translations` stops on them): a lone "%" in a message
    reads as a placeholder the translation must keep."""
    problems = [(message.id, errors) for message, errors in catalog(PO).check()]
    assert problems == []
