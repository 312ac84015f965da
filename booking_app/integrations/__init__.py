"""Integrations (issue 17): builder API keys, outgoing webhooks (Standard Webhooks) and the
booking data both show a builder's tools."""
