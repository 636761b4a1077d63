"""Task history: a time-stamped fact per tracked change, and the daily aggregates kept from them."""
