"""MF003's table of third-party field classes, checked against the packages' real source
(benchmarks/verify_field_classes.py: downloaded with pip at the pinned versions, never
committed, followed with the same code MF003 uses for a project's own classes)."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest
from _scripts import load_script

from migration_fixer.field_classes import THIRD_PARTY, KnownField


@pytest.fixture(scope="module")
def verifier() -> ModuleType:
    return load_script("verify_field_classes")


def test_every_package_of_the_table_has_a_pinned_version(verifier: ModuleType) -> None:
    assert {k.package for k in THIRD_PARTY.values()} == set(verifier.VERSIONS)


def test_the_table_matches_the_packages_source(verifier: ModuleType, tmp_path: Path) -> None:
    try:
        verifier.download(tmp_path)
    except verifier.RegistryUnreachable as exc:
        pytest.skip(f"the package registry cannot be reached: {exc}")
    verified, mismatches = verifier.verify(tmp_path)
    assert mismatches == []
    assert verified == len(THIRD_PARTY)


SOURCE = """\
from django.db import models


class StampField(models.DateTimeField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_now_add", True)
        kwargs["blank"] = True
        super().__init__(*args, **kwargs)
"""


@pytest.mark.parametrize(
    ("entry", "mismatches"),
    [
        (
            KnownField(
                "stamps", "DateTimeField", (("auto_now_add", "True"),), (("blank", "True"),)
            ),
            0,
        ),
        # blank forced, not a default: the call blank=False gives True.
        (KnownField("stamps", "DateTimeField", (("auto_now_add", "True"), ("blank", "True"))), 1),
        (KnownField("stamps", "DateField", (("auto_now_add", "True"),), (("blank", "True"),)), 14),
        (KnownField("stamps", "DateTimeField", cannot="says so"), 14),
    ],
)
def test_a_wrong_entry_is_a_mismatch(
    verifier: ModuleType, tmp_path: Path, entry: KnownField, mismatches: int
) -> None:
    (tmp_path / "stamps").mkdir()
    (tmp_path / "stamps" / "fields.py").write_text(SOURCE)
    found = list(verifier._compare("stamps.fields.StampField", entry, [tmp_path]))
    assert len(found) == mismatches
    if mismatches == 1:
        assert found == [
            "stamps.fields.StampField(blank=False): the source gives {'@class': "
            "'DateTimeField', 'auto_now_add': 'True', 'blank': 'True'}, the table {'@class': "
            "'DateTimeField', 'auto_now_add': 'True', 'blank': 'False'}"
        ]
