"""What every env family shares: config checks, the task API, the info vocabulary,
render helpers."""
