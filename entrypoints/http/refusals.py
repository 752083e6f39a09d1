"""A refusal raised by the bearer check, answered where the access log and the metrics see it.

Litestar answers an exception raised in middleware only at the app's outermost layer, outside
the app's own middleware, so the access line logged a refused bearer token as 500 and Prometheus
counted it as 200 (litestar-org/litestar#4747; the fix, PR #4769, is not in a release up to
2.25.0). Hand-written until it is: this middleware sits on the bearer router in front of the
check and renders the check's problem itself, through the problem's public `to_response`, so
the response passes every `send` wrapper on its way out.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.plugins.problem_details import ProblemDetailsException
from litestar.types import ASGIApp, Receive, Scope, Send


class AnswerRefusalsHere(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        try:
            await next_app(scope, receive, send)
        except ProblemDetailsException as refusal:
            # Raised by the bearer check before the handler started: nothing was sent yet (the
            # handler's own errors are answered inside the route, and never arrive here).
            request: Request[Any, Any, Any] = Request(scope, receive)
            response = refusal.to_response(request)
            await response.to_asgi_response(None, request)(scope, receive, send)
