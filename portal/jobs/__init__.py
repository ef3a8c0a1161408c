"""Background work. The outbox relay and job registry arrive with the background-work issue."""
