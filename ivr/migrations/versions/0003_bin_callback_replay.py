"""bins: callback_replay, whether the callback line may replay the latest message

Revision ID: 0003_bin_callback_replay
Revises: 0002
Create Date: 2026-12-02 02:45:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0003_bin_callback_replay'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('bins', schema=None) as batch_op:
        batch_op.add_column(sa.Column('callback_replay', sa.Boolean(), nullable=False,
                                      server_default=sa.true()))


def downgrade():
    with op.batch_alter_table('bins', schema=None) as batch_op:
        batch_op.drop_column('callback_replay')
