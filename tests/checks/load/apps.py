"""A test server with known behaviour, for the load checks' tests (run by uvicorn).

* ``GET /health``           always fast (async, no work)
* ``GET /fast``             answers at once
* ``GET /slow?ms=N``        answers after N ms (asyncio.sleep: no CPU, no queueing)
* ``GET /limited``          at most ``LIMIT_K`` requests in service at once, each taking
                            ``LIMIT_S`` seconds: the true capacity is LIMIT_K / LIMIT_S rps
* ``GET /flaky?x=N``        500 when N % 10 == 0, 400 when N % 10 == 5, else 200
* ``GET /hog?ms=N``         blocks the event loop for N ms (time.sleep inside async):
                            requests, /health included, queue behind it, as behind a CPU hog
* ``GET /cpu?n=N``          pure-Python CPU work (N loop turns) in the threadpool: one
                            process serves about one CPU's worth (run --workers for more)
* ``GET /grow?mb=N``        keeps N more MiB for good: the server outgrows any memory limit
* ``GET /leaky``            answers at once and keeps ``LEAK_KB`` KiB per request (env var,
                            default 0: no leak), for the soak tests
"""

from __future__ import annotations

import asyncio
import os
import time

from fastapi import FastAPI, HTTPException

LIMIT_K = int(os.environ.get("LIMIT_K", "4"))
LIMIT_S = float(os.environ.get("LIMIT_S", "0.05"))

app = FastAPI()
_limit = asyncio.Semaphore(LIMIT_K)
LEAK_KB = int(os.environ.get("LEAK_KB", "0"))
_kept: list[bytearray] = []


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/fast")
async def fast() -> dict[str, bool]:
    return {"ok": True}


@app.get("/slow")
async def slow(ms: float = 100.0) -> dict[str, float]:
    await asyncio.sleep(ms / 1000.0)
    return {"slept_ms": ms}


@app.get("/limited")
async def limited() -> dict[str, bool]:
    async with _limit:
        await asyncio.sleep(LIMIT_S)
    return {"ok": True}


@app.get("/flaky")
async def flaky(x: int = 1) -> dict[str, int]:
    if x % 10 == 0:
        raise HTTPException(status_code=500, detail="model crashed on this input")
    if x % 10 == 5:
        raise HTTPException(status_code=400, detail="input rejected")
    return {"x": x}


@app.get("/hog")
async def hog(ms: float = 20.0) -> dict[str, float]:
    time.sleep(ms / 1000.0)  # blocks the event loop on purpose
    return {"blocked_ms": ms}


@app.get("/cpu")
def cpu(n: int = 200_000) -> dict[str, int]:
    total = 0
    for i in range(n):
        total += i * i % 7
    return {"total": total}


@app.get("/grow")
async def grow(mb: int = 5) -> dict[str, int]:
    block = bytearray(mb * 2**20)
    block[::4096] = b"x" * len(block[::4096])  # touch every page: resident, not just mapped
    _kept.append(block)
    return {"kept_mb": len(_kept) * mb}


@app.get("/leaky")
async def leaky() -> dict[str, int]:
    if LEAK_KB:
        block = bytearray(LEAK_KB * 1024)
        block[::4096] = b"x" * len(block[::4096])
        _kept.append(block)
    return {"kept": len(_kept)}
