"""AI analysis of tasks: the risk model, providers, the guardrail."""
