"""Identity API: joins the routers of each concern under /api/v1/identity/."""

from ninja import Router

from yiwang.identity.api_accounts import router as accounts_router
from yiwang.identity.api_auth import router as auth_router

router = Router(tags=["identity"])
router.add_router("/", auth_router)
router.add_router("/", accounts_router)
