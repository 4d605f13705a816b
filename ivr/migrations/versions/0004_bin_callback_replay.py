"""bins: callback_replay, whether the callback line may replay the latest message

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 02:45:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('bins', schema=None) as batch_op:
        batch_op.add_column(sa.Column('callback_replay', sa.Boolean(), nullable=False,
                                      server_default=sa.true()))


def downgrade():
    with op.batch_alter_table('bins', schema=None) as batch_op:
        batch_op.drop_column('callback_replay')
