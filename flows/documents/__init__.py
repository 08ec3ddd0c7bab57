"""Documents: status, reminder letters, feedback sheets, the consolidated report. Pure core."""
