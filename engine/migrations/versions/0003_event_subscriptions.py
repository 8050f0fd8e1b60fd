"""event subscriptions: waiting messages, signals and timers

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('event_subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=True),
    sa.Column('instance_id', sa.String(length=36), nullable=True),
    sa.Column('definition_id', sa.String(length=36), nullable=False),
    sa.Column('definition_key', sa.String(length=255), nullable=False),
    sa.Column('element_id', sa.String(length=255), nullable=False),
    sa.Column('task_id', sa.String(length=36), nullable=True),
    sa.Column('business_key', sa.String(length=255), nullable=True),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('details', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['definition_id'], ['process_definitions.id'], ),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instances.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('event_subscriptions', schema=None) as batch_op:
        batch_op.create_index('ix_event_subscriptions_kind_name', ['kind', 'name', 'business_key'], unique=False)
        batch_op.create_index('ix_event_subscriptions_kind_due', ['kind', 'due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_subscriptions_instance_id'), ['instance_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_subscriptions_definition_id'), ['definition_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_subscriptions_definition_key'), ['definition_key'], unique=False)

    op.create_table('event_subscription_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('value', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['subscription_id'], ['event_subscriptions.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('event_subscription_keys', schema=None) as batch_op:
        batch_op.create_index('ix_event_subscription_keys_key_value', ['key', 'value'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_subscription_keys_subscription_id'), ['subscription_id'],
                              unique=False)


def downgrade():
    op.drop_table('event_subscription_keys')
    op.drop_table('event_subscriptions')
