"""Tasks: the heart of the product, with labels, subtasks, dependencies and search."""
