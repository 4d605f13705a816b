"""audit bins: the BINs an audit entry concerns, for the admin's BIN filter

Revision ID: 0009_audit_bins
Revises: 0008_trust_costs
Create Date: 2026-12-04 03:10:00

Issue 15: every view, export and change of member data is audited with the BINs it
concerns; the admin's audit page filters on them (",3,12,", one LIKE on either database).
"""
import sqlalchemy as sa
from alembic import op


revision = '0009_audit_bins'
down_revision = '0008_trust_costs'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_log') as batch:
        batch.add_column(sa.Column('bins', sa.String(200), nullable=True))
    # Entries written before: their details already name the BIN ids (member.remove,
    # member.add, application.*), as domain.models.audit reads them from now on.
    log = sa.table('audit_log', sa.column('id', sa.Integer), sa.column('details', sa.JSON),
                   sa.column('bins', sa.String))
    conn = op.get_bind()
    for entry_id, details in conn.execute(sa.select(log.c.id, log.c.details).where(
            log.c.details.is_not(None))).all():
        bins = _bins_of(details if isinstance(details, dict) else {})
        if bins:
            conn.execute(log.update().where(log.c.id == entry_id).values(bins=bins))


def _bins_of(details):
    """As domain.models.calls._bins_of (a migration does not import the app)."""
    ids = details.get('bins')
    ids = [details['bin_id']] if ids is None and 'bin_id' in details else ids
    if not isinstance(ids, list) or not ids or not all(isinstance(i, int) for i in ids):
        return None
    text = ',' + ','.join(str(i) for i in sorted(set(ids))) + ','
    return text if len(text) <= 200 else None


def downgrade():
    with op.batch_alter_table('audit_log') as batch:
        batch.drop_column('bins')
