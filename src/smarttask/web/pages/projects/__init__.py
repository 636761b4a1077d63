"""Pages of a project: the list view, the board, quick create, moving a card, its settings
and its workflow states."""

from __future__ import annotations

from fastapi import APIRouter

from smarttask.web.pages.projects import board, bulk, create, listing, settings, states

router = APIRouter(include_in_schema=False)
router.include_router(listing.router)
router.include_router(board.router)
router.include_router(create.router)
router.include_router(bulk.router)
router.include_router(settings.router)
router.include_router(states.router)
