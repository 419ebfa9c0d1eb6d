"""After-deploy deferral for real, with the markers MF003 writes: `post_deploy = True` (no
deploy tool in the project's requirements), django-safemigrate's `safe = Safe.after_deploy()` and
django-syzygy's `stage = Stage.POST_DEPLOY` (the real packages, named in requirements.txt).
The fixer splits a non-null field removal in each app; `migrate_or_rollback` applies the
nullable steps and defers the three drops; the next run applies them; no row is lost."""

from __future__ import annotations

import re
from pathlib import Path

from _git_helpers import commit_all, init_repo

from .deploy_helpers import DeployProject, migration_source
from .harness import DbBackend, run_fixer

ADD = {
    "alpha": ("item", "code", 'models.CharField(max_length=8, default="c")'),
    "beta": ("owner", "nick", 'models.CharField(max_length=10, default="n")'),
    "gamma": ("tag", "rank", "models.IntegerField(default=3)"),
}
VOCABULARY = {
    "alpha": ("", "post_deploy = True"),
    "beta": ("django-safemigrate>=5.0\n", "safe = Safe.after_deploy()"),
    "gamma": ("django-syzygy>=1.2\n", "stage = Stage.POST_DEPLOY"),
}


def timeless(text: str) -> str:
    return re.sub(r"\(\d+\.\d{3}s\)", "(T)", text)


def test_after_deploy_markers_written_by_mf003_defer_the_drop(
    db_backend: DbBackend, tmp_path: Path
) -> None:
    project = DeployProject.create(tmp_path, db_backend)
    for app, (model, name, field) in ADD.items():
        # Added with a one-off default: non-null with no default in the migration state.
        project.write(
            app,
            f"0002_{model}_{name}",
            migration_source(
                [(app, "0001_initial")],
                f'migrations.AddField("{model}", "{name}", {field}, preserve_default=False),\n',
            ),
        )
    assert project.manage("migrate", "-v0").returncode == 0
    db_backend.query("INSERT INTO beta_owner (email, nick) VALUES ('a@example.com', 'ann')")
    db_backend.query("INSERT INTO alpha_item (name, qty, owner_id, code) VALUES ('one', 1, 1, 'X')")
    db_backend.query(f"INSERT INTO gamma_tag (label, {db_backend.quote('rank')}) VALUES ('t', 9)")
    init_repo(project.root)
    commit_all(project.root, "base")
    # The pull request: each app removes its field; the fixer splits each removal.
    for app, (model, name, _) in ADD.items():
        project.write(
            app,
            f"0003_remove_{model}_{name}",
            migration_source(
                [(app, f"0002_{model}_{name}")], f'migrations.RemoveField("{model}", "{name}"),\n'
            ),
        )
        requirements, marker = VOCABULARY[app]
        (project.root / "requirements.txt").write_text(requirements)
        fixed = run_fixer(f"{app}/migrations", cwd=project.root)
        assert fixed.returncode == 0, fixed.describe()
        drop = project.root / app / "migrations" / f"0004_remove_{model}_{name}.py"
        assert f"    {marker}\n" in drop.read_text(), drop.read_text()

    first = project.manage("migrate_or_rollback")
    assert first.returncode == 0, first.describe()
    assert timeless(first.stdout) == (
        "Starting point on database 'default': alpha 0002_item_code; beta 0002_owner_nick; "
        "gamma 0002_tag_rank\n"
        "  Schema snapshot: 4 tables (T)\n"
        "Operations to perform:\n"
        "  Apply all migrations: alpha, beta, gamma\n"
        "Running migrations:\n"
        "  Applying alpha.0003_remove_item_code... OK (T)\n"
        "  Applying beta.0003_remove_owner_nick... OK (T)\n"
        "  Applying gamma.0003_remove_tag_rank... OK (T)\n"
        "Deferred to the next run (after-deploy migrations whose dependencies are applied in "
        "this run; --include-after-deploy applies them now):\n"
        "  alpha.0004_remove_item_code: post_deploy = True; alpha.0003_remove_item_code is "
        "applied in this run\n"
        "  beta.0004_remove_owner_nick: safe = Safe.after_deploy(); "
        "beta.0003_remove_owner_nick is applied in this run\n"
        "  gamma.0004_remove_tag_rank: stage = Stage.POST_DEPLOY; gamma.0003_remove_tag_rank is "
        "applied in this run\n"
        "Applied 3 migrations on database 'default' (T).\n"
    )
    assert first.stderr == ""
    # The deploy's new code writes rows without the fields (nullable now).
    db_backend.query("INSERT INTO alpha_item (name, qty, owner_id) VALUES ('two', 2, 1)")
    plan = project.manage("migrate_or_rollback", "--plan", "--include-after-deploy")
    assert plan.stdout.count("Remove field") == 3, plan.describe()
    second = project.manage("migrate_or_rollback")
    assert second.returncode == 0, second.describe()
    assert "Deferred" not in second.stdout
    assert timeless(second.stdout).endswith(
        "  Applying alpha.0004_remove_item_code... OK (T)\n"
        "  Applying beta.0004_remove_owner_nick... OK (T)\n"
        "  Applying gamma.0004_remove_tag_rank... OK (T)\n"
        "Applied 3 migrations on database 'default' (T).\n"
    )
    assert db_backend.query("SELECT name FROM alpha_item ORDER BY id") == [("one",), ("two",)]
    assert db_backend.query("SELECT email FROM beta_owner") == [("a@example.com",)]
    assert db_backend.query("SELECT label FROM gamma_tag") == [("t",)]
    third = project.manage("migrate_or_rollback", "--check")
    assert third.returncode == 0, third.describe()
