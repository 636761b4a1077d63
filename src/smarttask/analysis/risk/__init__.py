"""The risk model's tooling: training, backtests, rescoring jobs and commands."""
