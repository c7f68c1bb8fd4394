from ninja import Router

router = Router(tags=["sample"])


@router.get("/ping")
def ping(request) -> dict:
    return {"pong": True}
