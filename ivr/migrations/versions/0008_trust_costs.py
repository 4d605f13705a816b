"""trust and costs: retention marks, the BIN a delivery was for, prices, a monthly budget

Revision ID: 0008_trust_costs
Revises: 0007_joining
Create Date: 2026-12-03 18:20:00

Issue 15: each call attempt keeps the carrier's price (fetched after the call
ends, until known); a delivery names the BIN it was made for, so costs add up per BIN;
a message records when the carrier's copy of its recording was deleted and when our audio
was erased; a BIN may set a monthly budget for calls and SMS.
"""
import sqlalchemy as sa
from alembic import op


revision = '0008_trust_costs'
down_revision = '0007_joining'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('call_attempts') as batch:
        batch.add_column(sa.Column('price', sa.Numeric(12, 5), nullable=True))
        batch.add_column(sa.Column('price_unit', sa.String(3), nullable=True))
        batch.add_column(sa.Column('price_checks', sa.Integer(), nullable=False,
                                   server_default='0'))
        batch.add_column(sa.Column('price_check_at', sa.DateTime(timezone=True), nullable=True))
    op.create_index('ix_call_attempts_price_check_at', 'call_attempts', ['price_check_at'])
    with op.batch_alter_table('deliveries') as batch:
        batch.add_column(sa.Column('bin_id', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_deliveries_bin_id_bins', 'bins', ['bin_id'], ['id'],
                                 ondelete='SET NULL')
    with op.batch_alter_table('messages') as batch:
        batch.add_column(sa.Column('recording_deleted_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('audio_erased_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('bins') as batch:
        batch.add_column(sa.Column('monthly_budget_cents', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('bins') as batch:
        batch.drop_column('monthly_budget_cents')
    with op.batch_alter_table('messages') as batch:
        batch.drop_column('audio_erased_at')
        batch.drop_column('recording_deleted_at')
    with op.batch_alter_table('deliveries') as batch:
        batch.drop_constraint('fk_deliveries_bin_id_bins', type_='foreignkey')
        batch.drop_column('bin_id')
    op.drop_index('ix_call_attempts_price_check_at', 'call_attempts')
    with op.batch_alter_table('call_attempts') as batch:
        batch.drop_column('price_check_at')
        batch.drop_column('price_checks')
        batch.drop_column('price_unit')
        batch.drop_column('price')
