"""joining a BIN: zones keyed for matching, applications, contributions, links, mail

Revision ID: 0007_joining
Revises: 0006_members_name_order
Create Date: 2026-12-03 14:10:00

Issue 13: the BIN's yearly contribution and account, its privacy statement and house
rules; a folded street name on the zone rows for the address lookup; a status per
membership; the applications of the join form; contributions with their structured
communication; personal links to the member's page (token hashes only); outgoing mail.
"""
import sqlalchemy as sa
from alembic import op


revision = '0007_joining'
down_revision = '0006_members_name_order'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('bins') as batch:
        batch.add_column(sa.Column('fee_cents', sa.Integer(), nullable=False, server_default='0'))
        batch.add_column(sa.Column('iban', sa.String(34), nullable=True))
        batch.add_column(sa.Column('bic', sa.String(11), nullable=True))
        batch.add_column(sa.Column('privacy_statement', sa.Text(), nullable=True))
        batch.add_column(sa.Column('house_rules', sa.Text(), nullable=True))
    with op.batch_alter_table('bin_streets') as batch:
        batch.add_column(sa.Column('street_key', sa.String(200), nullable=False,
                                   server_default=''))
    op.create_index('ix_bin_streets_lookup', 'bin_streets', ['postcode', 'street_key'])
    with op.batch_alter_table('memberships') as batch:
        batch.add_column(sa.Column('status', sa.String(12), nullable=False,
                                   server_default='active'))

    op.create_table(
        'applications',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('bin_id', sa.Integer(), sa.ForeignKey('bins.id', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('status', sa.String(12), nullable=False),
        sa.Column('name', sa.String(200), nullable=False),
        sa.Column('street', sa.String(200), nullable=False),
        sa.Column('house_number', sa.String(20), nullable=False),
        sa.Column('postcode', sa.String(10), nullable=False),
        sa.Column('municipality', sa.String(120), nullable=True),
        sa.Column('phone', sa.String(20), nullable=False),
        sa.Column('phone_type', sa.String(20), nullable=False),
        sa.Column('phone2', sa.String(20), nullable=True),
        sa.Column('phone2_type', sa.String(20), nullable=True),
        sa.Column('language', sa.String(2), nullable=False),
        sa.Column('email', sa.String(254), nullable=True),
        sa.Column('consent_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('confirm_token_hash', sa.String(64), nullable=True, unique=True),
        sa.Column('confirm_expires_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('decided_by', sa.String(254), nullable=True),
        sa.Column('decline_reason', sa.Text(), nullable=True),
        sa.Column('member_id', sa.Integer(), sa.ForeignKey('members.id', ondelete='SET NULL'),
                  nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index('ix_applications_bin_status', 'applications', ['bin_id', 'status'])

    op.create_table(
        'contributions',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('membership_id', sa.Integer(),
                  sa.ForeignKey('memberships.id', ondelete='CASCADE'), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('amount_cents', sa.Integer(), nullable=False),
        sa.Column('reference', sa.String(12), nullable=False, unique=True),
        sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('paid_cents', sa.Integer(), nullable=True),
        sa.Column('paid_via', sa.String(10), nullable=True),
        sa.Column('paid_note', sa.String(200), nullable=True),
        sa.Column('marked_by', sa.String(254), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint('membership_id', 'year', name='uq_contributions_membership_year'),
    )
    op.create_index('ix_contributions_membership_id', 'contributions', ['membership_id'])

    op.create_table(
        'member_links',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('member_id', sa.Integer(), sa.ForeignKey('members.id', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('token_hash', sa.String(64), nullable=False, unique=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index('ix_member_links_member_id', 'member_links', ['member_id'])

    op.create_table(
        'outbound_mails',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('kind', sa.String(30), nullable=False),
        sa.Column('status', sa.String(10), nullable=False),
        sa.Column('to_address', sa.String(254), nullable=True),
        sa.Column('language', sa.String(2), nullable=False),
        sa.Column('subject', sa.String(300), nullable=False),
        sa.Column('message_id', sa.String(200), nullable=False, unique=True),
        sa.Column('body', sa.LargeBinary(), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('last_error', sa.String(300), nullable=True),
        sa.Column('member_id', sa.Integer(), sa.ForeignKey('members.id', ondelete='SET NULL'),
                  nullable=True),
        sa.Column('application_id', sa.Integer(),
                  sa.ForeignKey('applications.id', ondelete='SET NULL'), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index('ix_outbound_mails_status', 'outbound_mails', ['status', 'created_at'])


def downgrade():
    op.drop_table('outbound_mails')
    op.drop_table('member_links')
    op.drop_table('contributions')
    op.drop_table('applications')
    with op.batch_alter_table('memberships') as batch:
        batch.drop_column('status')
    op.drop_index('ix_bin_streets_lookup', 'bin_streets')
    with op.batch_alter_table('bin_streets') as batch:
        batch.drop_column('street_key')
    with op.batch_alter_table('bins') as batch:
        for column in ('house_rules', 'privacy_statement', 'bic', 'iban', 'fee_cents'):
            batch.drop_column(column)
