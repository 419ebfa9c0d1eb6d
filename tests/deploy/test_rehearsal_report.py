"""migration_fixer.django.report: the rehearsal's text, JSON and JUnit renderings, exactly, on a
report built by hand (the real runs are in tests/e2e/test_rehearse_rollback.py)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from migration_fixer.django.rehearsal import Failure, Report, Step
from migration_fixer.django.report import render_json, render_junit, render_text, step_line
from migration_fixer.django.rows import Unfilled


def report(failed: bool) -> Report:
    done = Report("postgresql", "test_shop", 3, phases=[["shop.0002_a"], ["shop.0003_b"]])
    done.steps = [
        Step(0, "start", "migrate to the starting point: 1 migration", 0.5),
        Step(1, "rows at the start", "8 rows in 2 tables, 1 not filled", 0.25),
        Step(1, "forward", "migrate: 1 migration", 0.125),
    ]
    if failed:
        done.steps.append(
            Step(
                1,
                "back",
                "migrate: 1 migration",
                0.0625,
                Failure(
                    'IntegrityError: column "sku" contains null values',
                    "shop.0002_a",
                    "operation 1, RemoveField: Remove field sku from product",
                ),
            )
        )
    done.unfilled = [Unfilled("shop.Odd", "shop_odd", "no generated row satisfies <x & y>")]
    return done


def test_text() -> None:
    assert render_text(report(failed=True)) == (
        "Rehearsing rollbacks on postgresql (scratch database test_shop), seed 3\n"
        "deploy 1: shop.0002_a\n"
        "deploy 2: shop.0003_b\n"
        "start (migrate to the starting point: 1 migration)                          "
        "0.500s  ok\n"
        "deploy 1: rows at the start (8 rows in 2 tables, 1 not filled)              "
        "0.250s  ok\n"
        "deploy 1: forward (migrate: 1 migration)                                    "
        "0.125s  ok\n"
        "deploy 1: back (migrate: 1 migration)                                       "
        "0.062s  FAILED\n"
        "not filled: shop.Odd (shop_odd): no generated row satisfies <x & y>\n"
        "FAILED at deploy 1: back: shop.0002_a, operation 1, RemoveField: Remove field sku "
        'from product: IntegrityError: column "sku" contains null values\n'
    )
    passed = report(failed=False)
    passed.kept = True
    assert render_text(passed, with_steps=False) == (
        "not filled: shop.Odd (shop_odd): no generated row satisfies <x & y>\n"
        "Rollback rehearsal passed: 2 deploys, forward, back and forward again.\n"
        "Kept the scratch database test_shop.\n"
    )
    assert render_text(Report("sqlite", "", 0)) == (
        "Rehearsing rollbacks on sqlite, seed 0\nNothing to rehearse: no migration in the plan.\n"
    )
    many = Report("sqlite", "x", 0, phases=[[f"a.{n:04d}" for n in range(1, 8)]])
    assert render_text(many).splitlines()[1] == (
        "deploy 1: a.0001, a.0002, a.0003, ..., a.0006, a.0007 (7 migrations)"
    )
    assert step_line(Step(2, "forward again", "", 1.5)) == (
        "deploy 2: forward again" + " " * 50 + "   1.500s  ok"
    )


def test_json() -> None:
    data = json.loads(render_json(report(failed=True)))
    assert data == {
        "version": 1,
        "vendor": "postgresql",
        "database": "test_shop",
        "seed": 3,
        "deploys": [
            {"deploy": 1, "migrations": ["shop.0002_a"]},
            {"deploy": 2, "migrations": ["shop.0003_b"]},
        ],
        "steps": [
            {
                "deploy": 0,
                "name": "start",
                "detail": "migrate to the starting point: 1 migration",
                "seconds": 0.5,
                "ok": True,
                "failure": None,
            },
            {
                "deploy": 1,
                "name": "rows at the start",
                "detail": "8 rows in 2 tables, 1 not filled",
                "seconds": 0.25,
                "ok": True,
                "failure": None,
            },
            {
                "deploy": 1,
                "name": "forward",
                "detail": "migrate: 1 migration",
                "seconds": 0.125,
                "ok": True,
                "failure": None,
            },
            {
                "deploy": 1,
                "name": "back",
                "detail": "migrate: 1 migration",
                "seconds": 0.0625,
                "ok": False,
                "failure": {
                    "migration": "shop.0002_a",
                    "operation": "operation 1, RemoveField: Remove field sku from product",
                    "message": 'IntegrityError: column "sku" contains null values',
                    "hint": "",
                },
            },
        ],
        "not_filled": [
            {
                "model": "shop.Odd",
                "table": "shop_odd",
                "reason": "no generated row satisfies <x & y>",
            }
        ],
        "ok": False,
        "exit_code": 1,
    }


def test_junit() -> None:
    text = render_junit(report(failed=True))
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites ')
    suites = ET.fromstring(text)
    assert suites.attrib == {
        "name": "rehearse_rollback",
        "tests": "4",
        "failures": "1",
        "time": "0.938",
    }
    (suite,) = suites
    assert suite.get("name") == "rehearse_rollback (postgresql)"
    cases = list(suite.iter("testcase"))
    assert [(c.get("classname"), c.get("name"), c.get("time")) for c in cases] == [
        ("rehearse_rollback.start", "start", "0.500"),
        ("rehearse_rollback.deploy1", "rows at the start", "0.250"),
        ("rehearse_rollback.deploy1", "forward", "0.125"),
        ("rehearse_rollback.deploy1", "back", "0.062"),
    ]
    assert [c.findtext("system-out") for c in cases] == [
        "migrate to the starting point: 1 migration",
        "8 rows in 2 tables, 1 not filled",
        "migrate: 1 migration",
        "migrate: 1 migration",
    ]
    failure = cases[3].find("failure")
    assert failure is not None
    message = (
        "shop.0002_a, operation 1, RemoveField: Remove field sku from product: "
        'IntegrityError: column "sku" contains null values'
    )
    assert (failure.get("message"), failure.text, failure.get("type")) == (
        message,
        message,
        "RollbackRehearsalFailure",
    )
    assert suite.findtext("system-out") == (
        "not filled: shop.Odd (shop_odd): no generated row satisfies <x & y>"
    )


def test_a_model_not_filled_is_listed_once() -> None:
    """The same refusal in a later batch differs only by its values (django-helpdesk's
    "Key (id)=(1) already exists", then "(2)"): the first reason is kept."""
    from migration_fixer.django.rehearsal import Rehearsal
    from migration_fixer.django.rows import Batch

    rehearsal = Rehearsal.__new__(Rehearsal)  # (_remember reads only these two)
    rehearsal.inserted = {}
    rehearsal.report = Report("postgresql", "test_shop", 0)
    for number, key in enumerate((1, 2)):
        batch = Batch(number)
        batch.rows = {"shop.Tag": [10 + number]}
        reason = f"the database refused a row: duplicate key (id)=({key})"
        batch.unfilled = [Unfilled("shop.Template", "shop_template", reason)]
        rehearsal._remember(batch)
    assert rehearsal.report.unfilled == [
        Unfilled(
            "shop.Template", "shop_template", "the database refused a row: duplicate key (id)=(1)"
        )
    ]
    assert rehearsal.inserted == {"shop.Tag": {10, 11}}


def test_a_hint_follows_the_failure() -> None:
    hinted = Report("sqlite", "x", 0, phases=[["shop.0002_a"]])
    hint = "if the generated rows are not rows ...: --no-rows shop.Tag"
    failure = Failure("KeyError: 'Row5di'", "shop.0002_a", "operation 1, RunPython: x", hint)
    hinted.steps = [Step(1, "forward", "migrate: 1 migration", 0.5, failure)]
    assert render_text(hinted, with_steps=False) == (
        "FAILED at deploy 1: forward: shop.0002_a, operation 1, RunPython: x: KeyError: "
        "'Row5di'\n"
        f"  hint: {hint}\n"
    )
    assert json.loads(render_json(hinted))["steps"][0]["failure"]["hint"] == hint
    (case,) = ET.fromstring(render_junit(hinted)).iter("testcase")
    failed = case.find("failure")
    assert failed is not None
    assert failed.attrib["message"] == "shop.0002_a, operation 1, RunPython: x: KeyError: 'Row5di'"
    assert failed.text == f"{failed.attrib['message']}\nhint: {hint}"
