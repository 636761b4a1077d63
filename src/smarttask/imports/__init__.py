"""Project import and export: smarttask's own CSV and JSON, Todoist CSV, Trello JSON."""
