"""cf-scim-audit: audit the Cloudflare SCIM v1 virtual group migration."""

__version__ = "0.1.0"
