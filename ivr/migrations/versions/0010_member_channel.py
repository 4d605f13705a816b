"""member channel: e-mail, SMS or none for written messages

Revision ID: 0010_member_channel
Revises: 0009_audit_bins
Create Date: 2026-12-04 04:20:00

Issue 14, item 2: a member's (and an applicant's) choice of written channel, `email`,
`sms` or `none`; NULL is the default rule (e-mail when there is an address, else none),
so every member stored before keeps exactly what they had. See domain/channels.py.
"""
import sqlalchemy as sa
from alembic import op


revision = '0010_member_channel'
down_revision = '0009_audit_bins'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('members') as batch:
        batch.add_column(sa.Column('channel', sa.String(5), nullable=True))
    with op.batch_alter_table('applications') as batch:
        batch.add_column(sa.Column('channel', sa.String(5), nullable=True))


def downgrade():
    with op.batch_alter_table('applications') as batch:
        batch.drop_column('channel')
    with op.batch_alter_table('members') as batch:
        batch.drop_column('channel')
