"""Issue 16: a platform account's balance is the sum of its postings; its row is never updated.

Earlier releases kept a running balance on the platform accounts (fee revenue, funding clearing,
bank settlement clearing), so every capture locked the one fee-revenue row. The stored value is
set to 0 (the postings already hold every movement) and a constraint keeps it there.
"""

from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

OWNED = ["customer_wallet", "merchant_payable"]


def clear_platform_balances(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Account = apps.get_model("payments", "Account")
    Account.objects.exclude(kind__in=OWNED).update(balance_minor=0)


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0006_lockouts"),
    ]

    operations = [
        migrations.RunPython(clear_platform_balances, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="account",
            constraint=models.CheckConstraint(
                condition=models.Q(("kind__in", OWNED), ("balance_minor", 0), _connector="OR"),
                name="account_platform_balance_derived",
            ),
        ),
    ]
