"""Layer 1 of the AI: the pure risk model, which scores a task snapshot (TaskFacts).

It knows nothing of tasks, projects or workspaces: `smarttask.tasks.scoring` gathers a task's
facts and stores its score, and `smarttask.analysis.risk` trains and backtests the model.
"""
