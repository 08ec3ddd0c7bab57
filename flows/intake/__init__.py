"""Intake: files from the inbox, checked against the plan, recorded in the ledger."""
