"""Switchboard: one GraphQL API over the phone-number and assistant APIs of voice-AI platforms."""

__version__ = "0.1.0"
