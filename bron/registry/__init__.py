"""What every source registry shares: aggregates stored with a version, and commands that change
state and write their events in one transaction (the events go to the outbox)."""
