"""deliveries: index on (message_id, status, id) for the dialler's claim

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 00:10:00

"""
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_deliveries_message_status', ['message_id', 'status', 'id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_deliveries_message_status')
