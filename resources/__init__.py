"""Shipped data: the model and its card, icons, the desktop entry. Installed as digitdesk.resources."""
