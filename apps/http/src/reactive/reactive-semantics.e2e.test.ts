import { describe, expect, it } from "vitest";
import { pythonWith } from "../../../../tests/python-interpreters.testkit.js";
import type { Host } from "../host/host.js";
import { hostsPerTest, NotebookSocketClient, notebookOfCells as notebook, okJson as api } from "./reactive-test-client.testkit.js";

/** Issue 13's defects 2, 4 and 6 as a user meets them: over HTTP and the WebSocket, with a real python3. */
const python = pythonWith();
const matplotlib = pythonWith("matplotlib");

const { start, directory } = hostsPerTest("parallax-semantics-");

async function cellsOf(host: Host, id: string): Promise<Array<Record<string, unknown>>> {
  return (await api(host, "GET", `/api/v1/notebooks/${id}`))["cells"] as Array<Record<string, unknown>>;
}

describe.skipIf(!python)("run semantics over §B", () => {
  it("deleting an unrun duplicate `x = 99` keeps the live `x = 1`: a dependent then runs (no NameError)", async () => {
    const host = await start(python!);
    const { id, cells } = await notebook(host, ["x = 1"]);
    const client = await NotebookSocketClient.connect(host.url(), id);
    try {
      client.send({ type: "run_cell", cellId: cells[0] });
      expect(await client.finalStatus(cells[0]!)).toBe("success");
      const duplicate = String((await api(host, "POST", `/api/v1/notebooks/${id}/cells`, { type: "python" }))["cell_id"]);
      await api(host, "PUT", `/api/v1/notebooks/${id}/cells/${duplicate}`, { code: "x = 99" });
      expect((await cellsOf(host, id))[0]).toMatchObject({ status: "error", error: expect.stringMatching(/^'x' is defined in multiple cells/) });
      await api(host, "DELETE", `/api/v1/notebooks/${id}/cells/${duplicate}`);
      const reader = String((await api(host, "POST", `/api/v1/notebooks/${id}/cells`, { type: "python" }))["cell_id"]);
      await api(host, "PUT", `/api/v1/notebooks/${id}/cells/${reader}`, { code: "y = x + 1\nprint(y)" });
      const from = client.messages.length;
      client.send({ type: "run_cell", cellId: reader });
      expect(await client.finalStatus(reader, from)).toBe("success");
      expect(client.stdout(reader, from)).toBe("2\n");
      expect((await cellsOf(host, id)).map((cell) => cell["status"])).toEqual(["success", "success"]);
    } finally {
      await client.close();
    }
  });

  it("after a host restart cells show their outputs but idle, and running a dependent runs its ancestors first", async () => {
    const dataDir = directory();
    let host = await start(python!, dataDir);
    const { id, cells } = await notebook(host, ["x = 20", "y = x + 1", "print(y * 2)"]);
    let client = await NotebookSocketClient.connect(host.url(), id);
    client.send({ type: "run_cell", cellId: cells[0] });
    expect(await client.finalStatus(cells[2]!)).toBe("success");
    await client.close();
    await host.close();

    host = await start(python!, dataDir);
    expect((await cellsOf(host, id)).map((cell) => [cell["status"], cell["stdout"]])).toEqual([
      ["idle", ""],
      ["idle", ""],
      ["idle", "42\n"],
    ]);
    client = await NotebookSocketClient.connect(host.url(), id);
    try {
      client.send({ type: "run_cell", cellId: cells[2] });
      expect(await client.finalStatus(cells[2]!)).toBe("success");
      expect(client.stdout(cells[2]!)).toBe("42\n");
      const ran = client.events().filter((event) => event["type"] === "cell_status" && event["status"] === "running").map((event) => event["cellId"]);
      expect(ran).toEqual(cells);
    } finally {
      await client.close();
    }
  });
});

describe.skipIf(!matplotlib)("inline figures over §B", () => {
  it("a cell that calls plt.plot and returns nothing shows exactly one image/png", async () => {
    const host = await start(matplotlib!);
    const { id, cells } = await notebook(host, ["import matplotlib.pyplot as plt\nplt.plot([1, 4, 9]);", "import matplotlib.pyplot as _p\n_p.plot([1])\n_p.show()\nprint('shown')"]);
    const client = await NotebookSocketClient.connect(host.url(), id);
    try {
      for (const cell of cells) {
        const from = client.messages.length;
        client.send({ type: "run_cell", cellId: cell });
        expect(await client.finalStatus(cell, from)).toBe("success");
        const outputs = client.events(from).filter((event) => event["type"] === "cell_output" && event["cellId"] === cell);
        expect(outputs.map((event) => (event["output"] as { mime_type: string }).mime_type)).toEqual(["image/png"]);
      }
      expect((await cellsOf(host, id)).map((cell) => (cell["outputs"] as Array<{ mime_type: string }>).map((output) => output.mime_type))).toEqual([["image/png"], ["image/png"]]);
    } finally {
      await client.close();
    }
  });
});
