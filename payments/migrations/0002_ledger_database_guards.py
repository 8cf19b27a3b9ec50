"""PostgreSQL guards: every entry's postings sum to zero at commit; ledger rows are immutable."""

from django.db import migrations

BALANCED = """
CREATE OR REPLACE FUNCTION payments_entry_balanced() RETURNS trigger AS $$
BEGIN
    IF (SELECT COALESCE(SUM(amount_minor), 0) FROM payments_posting
        WHERE entry_id = NEW.entry_id) <> 0 THEN
        RAISE EXCEPTION 'journal entry % does not balance', NEW.entry_id;
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE CONSTRAINT TRIGGER payments_posting_balanced AFTER INSERT ON payments_posting
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION payments_entry_balanced();
CREATE OR REPLACE FUNCTION payments_ledger_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'ledger rows are immutable: post a correcting entry instead';
END $$ LANGUAGE plpgsql;
CREATE TRIGGER payments_posting_immutable BEFORE UPDATE OR DELETE ON payments_posting
    FOR EACH ROW EXECUTE FUNCTION payments_ledger_immutable();
CREATE TRIGGER payments_entry_immutable BEFORE UPDATE OR DELETE ON payments_journalentry
    FOR EACH ROW EXECUTE FUNCTION payments_ledger_immutable();
"""

REMOVE = """
DROP TRIGGER IF EXISTS payments_entry_immutable ON payments_journalentry;
DROP TRIGGER IF EXISTS payments_posting_immutable ON payments_posting;
DROP TRIGGER IF EXISTS payments_posting_balanced ON payments_posting;
DROP FUNCTION IF EXISTS payments_ledger_immutable();
DROP FUNCTION IF EXISTS payments_entry_balanced();
"""


def install(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BALANCED, params=None)


def uninstall(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REMOVE, params=None)


class Migration(migrations.Migration):
    dependencies = [("payments", "0001_initial")]

    operations = [migrations.RunPython(install, uninstall)]
