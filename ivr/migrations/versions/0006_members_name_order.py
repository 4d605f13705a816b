"""members: index on (name, id) for the coordinator's member list in name order

Revision ID: 0006_members_name_order
Revises: 0005
Create Date: 2026-12-03 06:30:00

The web list pages through a BIN's members `ORDER BY name, id`; with this index a page
of 50 is read in index order instead of sorting every member of the BIN first.
"""
from alembic import op

revision = '0006_members_name_order'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_members_name_id', 'members', ['name', 'id'], unique=False)


def downgrade():
    op.drop_index('ix_members_name_id', 'members')
