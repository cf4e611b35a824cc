"""One module per API resource; each holds an ``APIRouter(prefix, tags)``."""
