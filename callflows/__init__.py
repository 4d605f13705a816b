"""callflows package."""
