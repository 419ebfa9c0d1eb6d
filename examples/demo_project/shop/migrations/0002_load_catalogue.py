from django.db import migrations

CATALOGUE = {
    "Tea": [("Assam", "TEA-ASM", 40), ("Darjeeling", "TEA-DRJ", 12), ("Sencha", "TEA-SEN", 0)],
    "Coffee": [("Mocha", "COF-MOC", 25), ("Kona", "COF-KON", 3)],
}


def load_catalogue(apps, schema_editor):
    Category = apps.get_model("shop", "Category")
    Product = apps.get_model("shop", "Product")
    db_alias = schema_editor.connection.alias
    for category_name, products in CATALOGUE.items():
        category = Category.objects.using(db_alias).create(name=category_name)
        Product.objects.using(db_alias).bulk_create(
            Product(name=name, sku=sku, stock=stock, active=stock > 0, category=category)
            for name, sku, stock in products
        )


class Migration(migrations.Migration):

    dependencies = [
        ("shop", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(
            load_catalogue,
        ),
    ]
