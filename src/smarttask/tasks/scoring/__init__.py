"""Risk scoring inside task writes: a task's facts gathered by SQL, scored by smarttask.risk."""
