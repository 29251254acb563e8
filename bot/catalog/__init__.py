"""The series as validated data: schema, loader with cross-checks, search."""

from bot.catalog.catalog import Catalog
from bot.catalog.loader import ContentError, Problem, load_catalog, load_catalogs

__all__ = ["Catalog", "ContentError", "Problem", "load_catalog", "load_catalogs"]
