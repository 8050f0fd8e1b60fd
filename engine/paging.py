"""Page and page size from query parameters, checked once for every list."""
from .errors import BadRequest

MAX_PER_PAGE = 200


def check_paging(page, per_page):
    try:
        page, per_page = int(page), int(per_page)
    except (TypeError, ValueError):
        raise BadRequest("'page' and 'per_page' must be whole numbers") from None
    if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        raise BadRequest(f"'page' must be ≥ 1 and 'per_page' between 1 and {MAX_PER_PAGE}")
    return page, per_page
