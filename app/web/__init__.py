"""The HTTP side: FAB views, the REST API, forms, template helpers, error pages and request guards."""
