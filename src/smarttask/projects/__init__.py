"""Projects: a workspace's containers of tasks, each with its own key and task numbering."""
