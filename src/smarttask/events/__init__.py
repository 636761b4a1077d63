"""The event log: what changed, written in the transaction of the change (the outbox).

Services call `outbox.emit`; before the commit the reactions of other domains run (they write
notifications and webhook deliveries in the same transaction), then the events get their
sequence numbers and are inserted. They exist, and subscribers hear of them, only if the
transaction commits. The live stream that serves them is `smarttask.live`.
"""
