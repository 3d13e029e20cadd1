"""kb: a Swedish knowledge base and search service over public procurement guidance."""

__version__ = "0.1.0"
