"""The code MF003's fix writes, for the expected side of the MF003 tests: the nullable step
that replaces a removal and the backfill function it reverses with (the deferred drop
migration: ``_mf003.drop_file``)."""

from __future__ import annotations

#: How a backfill function ends: the deferred foreign key checks run.
FLUSH = (
    "    # Run the deferred foreign key checks now: ALTER TABLE refuses pending ones.\n"
    '    if schema_editor.connection.vendor == "postgresql":\n'
    '        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")\n'
    '        schema_editor.execute("SET CONSTRAINTS ALL DEFERRED")\n'
)


def backfill_function(field: str, value: str, model: str = "Product") -> str:
    """The backfill function MF003 writes for ``field`` of ``model``, filling ``value``."""
    return (
        f"def backfill_{model.lower()}_{field}(apps, schema_editor):\n"
        f"    # MF003: rows written while `{field}` was nullable get a placeholder, so that "
        "rolling\n"
        "    # this migration back can restore NOT NULL. Review the value.\n"
        f'    {model} = apps.get_model("shop", "{model}")\n'
        "    db = schema_editor.connection.alias\n"
        f"    rows = {model}.objects.using(db).filter({field}__isnull=True)\n"
        f"    rows.update({field}={value})\n" + FLUSH
    )


def nullable_step(field: str, expression: str, spell: str = "migrations.") -> str:
    """The AlterField (to ``expression``) and RunPython (its backfill as the reverse) that
    MF003 writes in place of the removal of ``product.field``."""
    return (
        f"        {spell}AlterField(\n"
        '            model_name="product",\n'
        f'            name="{field}",\n'
        f"            field={expression},\n"
        "        ),\n"
        f"        {spell}RunPython(\n"
        f"            {spell}RunPython.noop,\n"
        f"            reverse_code=backfill_product_{field},\n"
        "        ),\n"
    )
