"""web_users and web_user_bins: sign-in for police admins, dispatchers and coordinators

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 14:45:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'web_users',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('email', sa.String(254), nullable=False, unique=True),
        sa.Column('name', sa.String(200)),
        sa.Column('role', sa.String(12), nullable=False),
        sa.Column('password_hash', sa.String(200), nullable=False),
        sa.Column('totp_secret', sa.String(64)),
        sa.Column('totp_confirmed_at', sa.DateTime(timezone=True)),
        sa.Column('language', sa.String(2), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_sign_in_at', sa.DateTime(timezone=True)),
    )
    op.create_table(
        'web_user_bins',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('user_id', sa.Integer(),
                  sa.ForeignKey('web_users.id', ondelete='CASCADE'), nullable=False),
        sa.Column('bin_id', sa.Integer(),
                  sa.ForeignKey('bins.id', ondelete='CASCADE'), nullable=False),
        sa.UniqueConstraint('user_id', 'bin_id', name='uq_web_user_bins_pair'),
    )
    op.create_index('ix_web_user_bins_user_id', 'web_user_bins', ['user_id'])
    op.create_index('ix_web_user_bins_bin_id', 'web_user_bins', ['bin_id'])


def downgrade():
    op.drop_index('ix_web_user_bins_bin_id', 'web_user_bins')
    op.drop_index('ix_web_user_bins_user_id', 'web_user_bins')
    op.drop_table('web_user_bins')
    op.drop_table('web_users')
