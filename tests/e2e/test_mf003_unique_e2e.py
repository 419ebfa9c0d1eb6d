"""MF003's backfill of a unique text field, for real: rolling the nullable step back gives each
row written while the column was nullable a value no other row holds.

The project is test_mf003_e2e.py's (tests/e2e/mf003_project.py) with a unique `Item.code`, the
one field 0003 removes. The old rows' codes are what the former backfill, made of the key
(`str(row.pk)[-12:]`, `f"placeholder-{row.pk}"[-40:]`), gave a new row: its rollback failed on
the unique constraint. On MariaDB the column's collation (utf8mb4_unicode_ci: case-insensitive,
trailing spaces ignored) makes "PLACEHOLDER-1" and "placeholder-2 " taken too: the database
compares the values, as its unique constraint does.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .harness import DbBackend, run_fixer
from .mf003_project import ITEM, NEW_ITEMS, OLD_ITEMS, Step, build_project, insert_old_rows

BASE = "0002_item_active"

#: The new code (models.py without `code`) creates NEW_ITEMS: their code is NULL.
INSERT_NEW_ROWS: Step = (
    "",
    "orm",
    "from inventory.models import Item, Supplier\n"
    + "".join(
        f"Item.objects.create(name={name!r}, supplier=Supplier.objects.get(name='Acme'), "
        "quantity=1, active=True)\n"
        for name in NEW_ITEMS
    ),
)


@pytest.mark.parametrize(
    ("max_length", "held", "given"),
    [
        # Under 22 characters ("placeholder-" and ten digits): the digits alone.
        (12, ("4", "1", "3"), dict.fromkeys(("sqlite", "postgresql", "mariadb"), ("2", "5"))),
        (
            40,
            ("placeholder-4", "PLACEHOLDER-1", "placeholder-2 "),
            {
                "sqlite": ("placeholder-1", "placeholder-2"),
                "postgresql": ("placeholder-1", "placeholder-2"),
                "mariadb": ("placeholder-3", "placeholder-5"),
            },
        ),
    ],
    ids=["digits", "placeholder"],
)
def test_the_backfill_skips_the_values_rows_hold(
    db_backend: DbBackend,
    tmp_path: Path,
    max_length: int,
    held: tuple[str, ...],
    given: dict[str, tuple[str, str]],
) -> None:
    code = f"models.CharField(max_length={max_length}, unique=True)"
    project = build_project(tmp_path / "project", ("code",), code=code)
    removal = project.removal
    fixed = run_fixer(".", cwd=project.root)
    assert fixed.returncode == 0, fixed.describe()
    assert (
        "        while taken.filter(code=value).exists():\n"
        in (project.migrations / f"{removal}.py").read_text()
    )
    (drop,) = project.migration_names()[3:]

    old = [name for name, *_ in OLD_ITEMS]
    out = project.steps(
        db_backend,
        [
            ("", "migrate", BASE),
            *insert_old_rows(),
            *(
                ("", "sql", [f"UPDATE {ITEM} SET code = %s WHERE name = %s", [value, name]])
                for value, name in zip(held, old, strict=True)
            ),
            ("", "migrate", removal),  # deploy 1
            INSERT_NEW_ROWS,
            ("deploy1_rows", "rows", ITEM),
            ("", "migrate", BASE),  # roll deploy 1 back: NOT NULL and UNIQUE again
            ("rows", "rows", ITEM),
            ("", "migrate", removal),  # forward again, and deploy 2
            ("", "migrate", drop),
            ("applied", "applied", None),
        ],
    )
    new = [row for row in out["deploy1_rows"] if row["code"] is None]
    assert [row["name"] for row in new] == list(NEW_ITEMS)
    # What the former backfill wrote for a new row is an old row's code.
    before = "placeholder-{}" if max_length >= 22 else "{}"
    assert any(before.format(row["id"]) in held for row in new)

    rows = {row["name"]: row["code"] for row in out["rows"]}
    assert [rows[name] for name in old] == list(held)  # the old rows keep theirs
    assert tuple(sorted(rows[name] for name in NEW_ITEMS)) == given[db_backend.name]
    assert out["applied"][-1] == drop
