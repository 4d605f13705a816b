"""officer lockout: guess reservations per path, guard rows, liftable locks

Failures from an officer's own phones (`bound`) get a budget of their own; `auth_guards`
serialises the count-and-reserve step per subject; a lock records who lifted it.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 02:45:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('auth_guards',
    sa.Column('key', sa.String(length=48), nullable=False),
    sa.Column('touched_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_auth_guards'))
    )
    with op.batch_alter_table('auth_failures', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bound', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    with op.batch_alter_table('lockouts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lifted_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('lifted_by', sa.String(length=120), nullable=True))


def downgrade():
    with op.batch_alter_table('lockouts', schema=None) as batch_op:
        batch_op.drop_column('lifted_by')
        batch_op.drop_column('lifted_at')
    with op.batch_alter_table('auth_failures', schema=None) as batch_op:
        batch_op.drop_column('bound')
    op.drop_table('auth_guards')
