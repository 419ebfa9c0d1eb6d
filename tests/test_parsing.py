"""parse_module: ast.parse's tree, with large literal data left out exactly where it is
certainly valid and holds no name; ast.parse's own error everywhere else."""

from __future__ import annotations

import ast

import pytest

from migration_fixer import parsing
from migration_fixer.parsing import parse_module

HEAD = "from django.db import migrations\n\n"
TAIL = (
    "\n\ndef load(apps, schema_editor):\n"
    "    for row in DATA:\n"
    "        pass\n\n\n"
    "class Migration(migrations.Migration):\n"
    "    operations = [migrations.RunPython(load)]\n"
)


@pytest.fixture(autouse=True)
def _small(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every statement is "large", so that small texts take the fast path."""
    monkeypatch.setattr(parsing, "ELIDE_ABOVE", 0)


def _dump(tree: ast.Module) -> str:
    return ast.dump(tree, include_attributes=True)


def _expected(text: str, elided: set[int]) -> str:
    """ast.parse's tree, with the values of the statements at ``elided`` (indexes in the
    module's body) replaced by the empty list that stands in for them."""
    tree = ast.parse(text)
    for index in elided:
        statement = tree.body[index]
        assert isinstance(statement, ast.Assign)
        assert not [n for n in ast.walk(statement.value) if isinstance(n, ast.Name)]
        value = statement.value
        statement.value = ast.List(
            elts=[],
            ctx=ast.Load(),
            lineno=value.lineno,
            col_offset=value.col_offset,
            end_lineno=value.end_lineno,
            end_col_offset=value.end_col_offset,
        )
    return _dump(tree)


def _elided(tree: ast.Module) -> set[int]:
    return {
        i
        for i, s in enumerate(tree.body)
        if isinstance(s, ast.Assign) and isinstance(s.value, ast.List) and not s.value.elts
    }


DATA = (
    '    {"id": 1, "name": "caf\\u00e9 \u00e9t\u00e9", "value": -1.5e3, "tags": ["a", 2, []]},\n'
    '    {"id": 2, "name": "a \\"quoted\\" \\\\ word", "ok": True, "no": False, "n": None},\n'
    "    {\n"
    '        "id": 3,\n'
    '        "nested": {"true": "null", "None": [0, 0.5, {}]},\n'
    "    },\n"
)


@pytest.mark.parametrize(
    "text",
    [
        HEAD + "DATA = [\n" + DATA + "]\n" + TAIL,
        HEAD + "DATA = [\n" + DATA + "]  # the rows\n" + TAIL,
        HEAD + "DATA=[\n" + DATA + "]\n",  # at the end of the file
        "DATA = [\n" + DATA + "]",  # the first statement, no newline at the end
        HEAD + "DATA = [\n" + DATA.replace('"', "'") + "]\n" + TAIL,  # Python's quotes
        (HEAD + "DATA = [\n" + DATA + "]\n" + TAIL).replace("\n", "\r\n"),
        HEAD + "A = [\n    1,\n]\nB = [\n    2\n]\n" + TAIL,
        HEAD + "EMPTY = [\n]\n" + TAIL,
        HEAD + "NESTED = [\n    [\n1,\n],\n]\n" + TAIL,  # a bracket at the start of a line
        HEAD + "__debug__ = [\n    1,\n]\n",  # (the compiler refuses it, not the parser)
        '"""Docstring."""\nfrom __future__ import annotations\n\nDATA = [\n' + DATA + "]\n",
        # (ast.parse leaves where a future import may be to the compiler)
        HEAD + "DATA = [\n    1,\n]\nfrom __future__ import annotations\n",
    ],
)
def test_literal_data_is_left_out_and_the_rest_is_ast_parse(text: str) -> None:
    tree = parse_module(text)
    elided = _elided(tree)
    assert elided
    assert _dump(tree) == _expected(text, elided)


@pytest.mark.parametrize(
    "body",
    [
        "    x,\n",  # a name
        "    [x for x in y],\n",
        "    f(1),\n",
        '    "a" "b",\n',  # implicit concatenation
        "    (1, 2),\n",  # tuples are not JSON
        "    {1: 2},\n",  # nor are keys that are not strings
        "    1,  # a comment\n",
        "    true,\n",  # JSON's words are names in Python
        "    null,\n",
        "    NaN,\n",
        "    -Infinity,\n",
        "    1 ,\n",
        '    "\\x41",\n',
        "    {'a': \"b\"},\n",  # mixed quotes
        "    1_000,\n",
        "    " + "[" * 120 + "]" * 120 + ",\n",  # deeper than the fast path goes
        "    '\\\\None',\n",
    ],
)
def test_anything_else_is_parsed(body: str) -> None:
    text = HEAD + "DATA = [\n" + body + "]\n" + TAIL
    tree = parse_module(text)
    assert _dump(tree) == _dump(ast.parse(text))


@pytest.mark.parametrize(
    "text",
    [
        HEAD + "DATA = [\n    ,\n]\n" + TAIL,
        HEAD + "DATA = [\n    1,,\n]\n" + TAIL,
        HEAD + "DATA = [\n    01,\n]\n" + TAIL,
        HEAD + "DATA = [\n    1\n    2,\n]\n" + TAIL,
        HEAD + 'DATA = [\n    "\\None",\n]\n' + TAIL,  # a Python error, a JSON newline
        HEAD + 'DATA = [\n    "\\N{NO SUCH NAME}",\n]\n' + TAIL,
        HEAD + "DATA = [\n    " + "[" * 250 + "]" * 250 + ",\n]\n" + TAIL,
        HEAD + "DATA = [\n    1,\n]\nelse:\n    pass\n" + TAIL,
        HEAD + "DATA = [\n    1,\n]\n    x = 1\n" + TAIL,
        HEAD + "if True:\nDATA = [\n    1,\n]\n" + TAIL,
        HEAD + "@decorator\nDATA = [\n    1,\n]\n" + TAIL,
        HEAD + "x = (\nDATA = [\n    1,\n]\n)\n",
        HEAD + "None = [\n    1,\n]\n",
        HEAD + "DATA = [\n    1,\n]\n" + TAIL + "def broken(:\n",
    ],
)
def test_a_file_that_does_not_parse_fails_as_ast_parse_fails(text: str) -> None:
    with pytest.raises(SyntaxError) as expected:
        ast.parse(text)
    with pytest.raises(SyntaxError) as got:
        parse_module(text)
    assert (got.value.msg, got.value.lineno, got.value.offset) == (
        expected.value.msg,
        expected.value.lineno,
        expected.value.offset,
    )


def test_a_list_inside_a_string_is_not_a_statement() -> None:
    text = HEAD + 'DOC = """\nDATA = [\n    1,\n]\n"""\n' + TAIL
    assert _dump(parse_module(text)) == _dump(ast.parse(text))


def test_a_list_without_its_closing_bracket_alone_on_a_line_is_parsed() -> None:
    for text in (HEAD + "DATA = [\n    1,\n    2]\n" + TAIL, HEAD + "DATA = [1, 2]\n" + TAIL):
        assert _dump(parse_module(text)) == _dump(ast.parse(text))


def test_lone_carriage_returns_and_grammar_changing_futures_take_the_whole_parse() -> None:
    for text in (
        HEAD + "DATA = [\n    1,\r    2,\n]\n",
        "from __future__ import barry_as_FLUFL\nDATA = [\n    1,\n]\n",
    ):
        assert _dump(parse_module(text)) == _dump(ast.parse(text))


def test_small_statements_are_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parsing, "ELIDE_ABOVE", 10_000)
    text = HEAD + "DATA = [\n" + DATA + "]\n" + TAIL
    assert _dump(parse_module(text)) == _dump(ast.parse(text))
    text += "# " + "x" * 10_000 + "\n"  # the file is large, the statement is not
    assert _dump(parse_module(text)) == _dump(ast.parse(text))


def test_slices_grow_over_an_element_cut_in_two(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parsing, "_SLICE", 10)
    text = HEAD + "DATA = [\n" + DATA * 20 + "]\n" + TAIL
    tree = parse_module(text)
    assert _elided(tree) == {1}
    assert _dump(tree) == _expected(text, {1})


def test_an_element_larger_than_the_largest_slice_is_parsed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(parsing, "_SLICE", 4)
    monkeypatch.setattr(parsing, "_MAX_SLICE", 16)
    text = HEAD + "DATA = [\n" + DATA + "]\n" + TAIL
    assert _dump(parse_module(text)) == _dump(ast.parse(text))
