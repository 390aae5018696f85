"""What a fleet of replicas shares in PostgreSQL (STS_DATABASE_URL): the questions from ack
to reply, the repeats already seen, the weekly ledger and the audit trail. Nothing of Slack."""
