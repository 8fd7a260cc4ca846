"""Start a josh harvest from Python through Temporal alone, follow it, print its result.

The contract (docs/client-api.md): workflow type ``harvestWorkflow`` on task queue ``josh``, one
JSON object as input (schema/run-config.schema.json; ``id`` defaults to the workflow id), a
``progress`` query, ``pause`` / ``resume`` signals, a ``setConcurrency`` update, and the final
progress as the result. No josh code runs here: a ``josh worker`` somewhere serves the queue.

    pip install -r examples/python/requirements.txt
    python examples/python/start_harvest.py examples/harvest-input.json [--concurrency N]

Connection: TEMPORAL_ADDRESS (default localhost:7233), TEMPORAL_NAMESPACE (default "default"),
JOSH_TASK_QUEUE (default "josh").
"""

import argparse
import asyncio
import json
import os
import sys

from temporalio.client import Client


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", help="run config JSON file")
    parser.add_argument("--concurrency", type=int, help="retune the concurrency window once started")
    opts = parser.parse_args()

    with open(opts.input, encoding="utf-8") as f:
        run_input = json.load(f)
    workflow_id = run_input.get("id") or os.path.splitext(os.path.basename(opts.input))[0]

    client = await Client.connect(
        os.environ.get("TEMPORAL_ADDRESS", "localhost:7233"),
        namespace=os.environ.get("TEMPORAL_NAMESPACE", "default"),
    )
    handle = await client.start_workflow(
        "harvestWorkflow",
        run_input,
        id=workflow_id,
        task_queue=os.environ.get("JOSH_TASK_QUEUE", "josh"),
    )
    print(f"started {workflow_id}", file=sys.stderr)

    if opts.concurrency is not None:
        # An update, not a signal: the workflow validates the value and answers, or refuses it.
        change = await handle.execute_update("setConcurrency", opts.concurrency)
        print(f"concurrency {change['previous']} -> {change['concurrency']}", file=sys.stderr)

    result = asyncio.ensure_future(handle.result())
    while not result.done():
        try:
            p = await handle.query("progress")
            print(f"{p['status']}: {p['done']}/{p['total']} conversations", file=sys.stderr)
        except Exception:  # not answering yet (setting up) or between executions: ask again
            pass
        await asyncio.wait([result], timeout=2)

    print(json.dumps(result.result()))
    return 0


if __name__ == "__main__":
    code = asyncio.run(main())
    sys.stdout.flush()
    sys.stderr.flush()
    # Skip interpreter teardown: the SDK's Rust threads can still call into Python while it
    # finalizes, which aborts a short-lived client process ("PyGILState_Release: thread state
    # ... must be current"; temporalio/sdk-python issue 300). Everything is flushed by now.
    os._exit(code)
