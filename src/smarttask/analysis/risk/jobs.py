"""Job handlers of this domain (registered on import)."""
