"""A loopback server answering like Cloudflare and Okta for a demo organization."""

from reporter.emulator.server import Emulator

__all__ = ["Emulator"]
