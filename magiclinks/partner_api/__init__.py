"""The Partner API (/v1beta): accounts, users, login links, activity."""
