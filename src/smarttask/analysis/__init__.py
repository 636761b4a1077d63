"""AI analysis of tasks: providers, the guardrail, and the risk model's training tooling."""
