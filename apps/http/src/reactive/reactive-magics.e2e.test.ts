/**
 * A notebook copied from Jupyter, magics and all, run over §B's HTTP and WebSocket with a real
 * python3: the magics run (issue 13), the reactive graph still links the cells they are in, and
 * an unsupported magic says so by name.
 */
import { describe, expect, it } from "vitest";
import { pythonWith } from "../../../../tests/python-interpreters.testkit.js";
import { hostsPerTest, NotebookSocketClient, notebookOfCells as notebook, okJson as api } from "./reactive-test-client.testkit.js";

const python = pythonWith();
const matplotlib = pythonWith("matplotlib");

const { start } = hostsPerTest("parallax-magics-e2e-");

describe.skipIf(!python)("magics over §B", () => {
  it("a Jupyter-style notebook with %matplotlib, !cmd, %%sql and %time runs; %load_ext fails by name", async () => {
    const host = await start(python!);
    const { id, cells } = await notebook(host, [
      "%matplotlib inline\nn = 3",
      "files = !printf 'a\\nb\\n'\nprint(len(files) + n)",
      "%%sql\nSELECT {n} AS v",
      "%time total = n * 2\nprint(total)",
      "!echo shell-{n}",
      "%load_ext autoreload",
    ]);
    const [setup, shell, sql, timed, echo, unsupported] = cells as [string, string, string, string, string, string];
    const client = await NotebookSocketClient.connect(host.url(), id);
    try {
      // Running the first cell runs its dependents: the cells with magics are linked by what they read.
      client.send({ type: "run_cell", cellId: setup });
      for (const cell of [shell, sql, timed]) expect(await client.finalStatus(cell)).toBe("success");
      expect(client.stdout(shell)).toBe("5\n");
      expect(client.stdout(timed)).toMatch(/^CPU times: .+\nWall time: .+\n6\n$/);
      const table = client.events().find((event) => event["type"] === "cell_output" && event["cellId"] === sql);
      expect(table?.["output"]).toMatchObject({ data: { type: "table", columns: ["v"], rows: [[3]] } });

      let from = client.messages.length;
      client.send({ type: "run_cell", cellId: echo });
      expect(await client.finalStatus(echo, from)).toBe("success");
      expect(client.stdout(echo, from)).toBe("shell-3\n");

      from = client.messages.length;
      client.send({ type: "run_cell", cellId: unsupported });
      expect(await client.finalStatus(unsupported, from)).toBe("error");
      const error = client.events(from).find((event) => event["type"] === "cell_error" && event["cellId"] === unsupported);
      expect(error?.["error"]).toBe("UsageError: magic not supported: %load_ext");

      const stored = (await api(host, "GET", `/api/v1/notebooks/${id}`))["cells"] as Array<Record<string, unknown>>;
      expect(stored.map((cell) => cell["status"])).toEqual(["success", "success", "success", "success", "success", "error"]);
    } finally {
      await client.close();
    }
  });
});

describe.skipIf(!matplotlib)("%matplotlib inline over §B", () => {
  it("a notebook that starts with %matplotlib inline shows one image/png for plt.plot", async () => {
    const host = await start(matplotlib!);
    const { id, cells } = await notebook(host, ["%matplotlib inline\nimport matplotlib.pyplot as plt\nplt.plot([1, 4, 9]);"]);
    const client = await NotebookSocketClient.connect(host.url(), id);
    try {
      client.send({ type: "run_cell", cellId: cells[0] });
      expect(await client.finalStatus(cells[0]!)).toBe("success");
      const outputs = client.events().filter((event) => event["type"] === "cell_output" && event["cellId"] === cells[0]);
      expect(outputs.map((event) => (event["output"] as { mime_type: string }).mime_type)).toEqual(["image/png"]);
    } finally {
      await client.close();
    }
  });
});
